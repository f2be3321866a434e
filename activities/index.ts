import { assetActivities } from './assets';
import { avatarGroupActivities } from './avatarGroups';
import { deliveryActivities } from './delivery';
import type { ActivityDeps } from './deps';
import { inputValidationActivities } from './inputValidation';
import { jobRouteActivities } from './jobRoutes';
import { lookGenerationActivities } from './lookGeneration';
import { photoGenerationActivities } from './photoGeneration';
import { renderSlotActivities } from './renderSlots';
import { trainingActivities } from './training';
import { videoActivities } from './videos';

export type { ActivityDeps } from './deps';

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...photoGenerationActivities(deps),
    ...assetActivities(deps),
    ...avatarGroupActivities(deps),
    ...trainingActivities(deps),
    ...lookGenerationActivities(deps),
    ...videoActivities(deps),
    ...deliveryActivities(deps),
    ...jobRouteActivities(deps),
    ...renderSlotActivities(deps),
    ...inputValidationActivities(),
  };
}

/** The activity interface workflows import (as a type only). */
export type Activities = ReturnType<typeof createActivities>;
