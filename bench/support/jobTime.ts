import { API_CAPABILITIES, type ApiVersion } from '../../contracts/apiVersion';
import type { SimulatorSnapshot } from '../../simulator/types';

/**
 * The simulated job time each lifecycle waited through, read from the simulator's own records (durations after
 * jitter). v2: photo generation + training + look generation + processing of the generated look + render. v3: the
 * avatar's first look (made from the prompt: the photo generation's time) + the rendered look (the look
 * generation's) + render. One lifecycle = one avatar group, for the product and the naive script alike; groups
 * without a render are skipped. When every lifecycle starts at once, the slowest of these bounds the wall time of all
 * of them from below: no orchestration can finish before its jobs do. Keyed by group name: the product names a group
 * `<name> [<workflowId>]`, the naive script by its lifecycle's name.
 */
export function jobTimesPerLifecycle(
  snapshot: SimulatorSnapshot,
  version: ApiVersion,
  skipGroups: ReadonlySet<string> = new Set(),
): Map<string, number> {
  if (!API_CAPABILITIES[version].training) return v3JobTimes(snapshot, skipGroups);
  const photoByImage = new Map<string, number>();
  for (const g of snapshot.photoGenerations) {
    if (g.kind === 'photo') for (const key of g.imageKeys) photoByImage.set(key, g.durationMs);
  }
  const looksByGroup = new Map<string, SimulatorSnapshot['looks']>();
  for (const l of snapshot.looks) looksByGroup.set(l.groupId, [...(looksByGroup.get(l.groupId) ?? []), l]);
  const renderByLook = new Map<string, number>();
  for (const v of snapshot.videos) for (const id of v.lookIds) renderByLook.set(id, v.renderMs);

  /** By group name: the product names a group `<name> [<workflowId>]`, the naive script by its lifecycle name */
  const out = new Map<string, number>();
  for (const group of snapshot.groups) {
    if (skipGroups.has(group.id)) continue; // e.g. warm-up lifecycles
    const looks = looksByGroup.get(group.id) ?? [];
    const render = looks.map((l) => renderByLook.get(l.id)).find((ms) => ms !== undefined);
    if (render === undefined) continue;
    const photo = looks.map((l) => photoByImage.get(l.imageKey)).find((ms) => ms !== undefined) ?? 0;
    // The look generation(s) of the group and the processing of the looks made from their images.
    let lookGeneration = 0;
    let lookProcessing = 0;
    for (const g of snapshot.photoGenerations) {
      if (g.kind !== 'look' || g.groupId !== group.id) continue;
      lookGeneration = Math.max(lookGeneration, g.durationMs);
      for (const l of looks)
        if (g.imageKeys.includes(l.imageKey)) lookProcessing = Math.max(lookProcessing, l.processingMs);
    }
    out.set(group.name, photo + (group.trainingMs ?? 0) + lookGeneration + lookProcessing + render);
  }
  return out;
}

/** v3: no generation jobs and no training, the looks are the jobs (see jobTimesPerLifecycle). */
function v3JobTimes(snapshot: SimulatorSnapshot, skipGroups: ReadonlySet<string>): Map<string, number> {
  const looks = new Map(snapshot.looks.map((l) => [l.id, l]));
  const out = new Map<string, number>();
  for (const group of snapshot.groups) {
    if (skipGroups.has(group.id)) continue;
    const render = snapshot.videos.find((v) => v.lookIds.some((id) => looks.get(id)?.groupId === group.id));
    if (render === undefined) continue;
    // The avatar's own look is created with the group and named like it; the render names the look it used.
    const first = snapshot.looks.find((l) => l.groupId === group.id && l.name === group.name);
    const rendered = render.lookIds.map((id) => looks.get(id)).find((l) => l?.groupId === group.id);
    const lookMs =
      (first?.processingMs ?? 0) + (rendered && rendered.id !== first?.id ? rendered.processingMs : 0);
    out.set(group.name, lookMs + render.renderMs);
  }
  return out;
}
