import type { PollResult } from '../contracts/polling';
import type { PhotoPrompt } from '../heygen/port';
import { callOptions } from './context';
import { portFor, type ActivityDeps, type Versioned } from './deps';
import { classified } from './errors';
import { pollResultOf } from './jobState';

export interface GeneratedImages {
  imageKeys: string[];
}

/**
 * AI photos as a job of their own (v2 only: on v3 the avatar is created straight from the prompt). The create is
 * billable: v3 never reaches here, and v2 has no idempotency key nor any lookup of a generation, so its duplicate
 * window is the time between HeyGen accepting the call and this activity's completion being recorded.
 */
export function photoActivities(deps: ActivityDeps) {
  return {
    generatePhotos: classified(async (input: Versioned & { name: string; prompt: PhotoPrompt }) =>
      portFor(deps, input.api).generatePhotos(
        { name: input.name, ...input.prompt },
        callOptions({ billable: true }),
      ),
    ),

    checkGeneration: classified(
      async (
        input: Versioned & { generationId: string; what: string },
      ): Promise<PollResult<GeneratedImages>> => {
        const state = await portFor(deps, input.api).getPhotoGeneration(input.generationId, callOptions());
        const result = pollResultOf(`${input.what} ${input.generationId}`, state);
        return result.done ? { done: true, value: { imageKeys: result.value.photos } } : result;
      },
    ),
  };
}
