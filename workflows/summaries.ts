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
  createAvatarGroup: (i) => `Create photo-avatar group "${short(i.name)}"`,
  addLooks: (i) => `Add ${i.imageKeys.length} look(s) to group ${i.groupId}`,
  checkLooksReady: (i) => `Looks of group ${i.groupId}: read status (${i.lookIds.length})`,
  findLooksForImages: (i) => `Group ${i.groupId}: find the looks of ${i.imageKeys.length} generated image(s)`,
  startTraining: (i) => `Train group ${i.groupId}`,
  checkTraining: (i) => `Training of group ${i.groupId}: read status`,
  generateLook: (i) => `Generate look "${short(i.look.prompt, 40)}" in group ${i.groupId} (billable)`,
  submitVideo: (i) => `Render video "${short(i.request.title ?? 'untitled', 40)}" (billable)`,
  submitAvatarIvVideo: (i) => `Render Avatar IV video "${short(i.request.video_title, 40)}" (billable)`,
  submitWebmVideo: (i) => `Render WebM video of avatar ${i.request.avatar_pose_id} (billable)`,
  checkVideo: (i) => `Video ${i.videoId}: read status`,
  downloadVideo: (i) => `Download video ${i.videoId} before its URL expires`,
  registerJobRoute: (i) => `Route webhook events of ${i.kind} ${i.resourceId} to this run`,
  acquireRenderSlot: () => 'Ask for a render slot (plan concurrency)',
  validateWorkflowInput: (i) => `Validate the ${i.contract} input against its contract`,
};

export function activitySummary(name: string, args: unknown[]): string | undefined {
  const describe = (SUMMARIES as Record<string, ((input: unknown) => string) | undefined>)[name];
  if (!describe) return undefined;
  try {
    return describe(args[0]);
  } catch {
    return undefined;
  }
}
