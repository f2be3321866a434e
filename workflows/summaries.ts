import type { Activities } from '../activities';

type Input<K extends keyof Activities> = Parameters<Activities[K]>[0];

const short = (text: string, max = 60) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * One line per activity call, shown next to it in the Temporal UI's timeline and event history: what the call does
 * and on which HeyGen object, so a person reads a run without opening every payload.
 */
const SUMMARIES: { [K in keyof Activities]: (input: Input<K>) => string } = {
  generatePhotos: (i) => `Generate AI photos for "${short(i.name)}" (billable)`,
  checkGeneration: (i) => `${i.what} ${i.generationId}: read status`,
  uploadPhotoFile: (i) => `Upload ${short(i.file)}`,
  createAvatar: (i) =>
    `Create avatar "${short(i.name)}" from ${i.source === 'prompt' ? 'a prompt' : 'a photo'} (billable)`,
  addLooks: (i) => `Add ${i.photos.length} look(s) to avatar ${i.groupId} (billable)`,
  checkLooksReady: (i) => `Looks of avatar ${i.groupId}: read status (${i.lookIds.length})`,
  startTraining: (i) => `Train group ${i.groupId} (billable)`,
  checkTraining: (i) => `Training of group ${i.groupId}: read status`,
  generateLook: (i) => `Generate look "${short(i.look.prompt, 40)}" in avatar ${i.groupId} (billable)`,
  findGeneratedLooks: (i) => `Avatar ${i.groupId}: find the looks of generation ${i.generationId}`,
  submitRender: (i) =>
    `Render ${RENDER_NAMES[i.request.kind]} "${short(i.request.title ?? 'untitled', 40)}" (billable)`,
  checkVideo: (i) => `Video ${i.videoId}: read status`,
  checkVideos: (i) => `Read the status of ${i.videoIds.length} video(s) in one call`,
  downloadVideo: (i) => `Download video ${i.videoId} before its URL expires`,
  registerJobRoute: (i) => `Route webhook events of ${i.kind} ${i.resourceId} to this run`,
  acquireRenderSlot: () => 'Ask for a render slot (plan concurrency)',
  validateWorkflowInput: (i) => `Validate the ${i.contract} input against its contract`,
};

const RENDER_NAMES = { scenes: 'video', avatar_iv: 'Avatar IV video', webm: 'WebM video' } as const;

export function activitySummary(name: string, args: unknown[]): string | undefined {
  const describe = (SUMMARIES as Record<string, ((input: unknown) => string) | undefined>)[name];
  if (!describe) return undefined;
  try {
    return describe(args[0]);
  } catch {
    return undefined;
  }
}
