import { assetActivities } from './assets';
import { avatarActivities } from './avatars';
import { deliveryActivities } from './delivery';
import type { ActivityDeps } from './deps';
import { inputValidationActivities } from './inputValidation';
import { jobRouteActivities } from './jobRoutes';
import { photoActivities } from './photos';
import { renderSlotActivities } from './renderSlots';
import { videoActivities } from './videos';

export type { ActivityDeps } from './deps';

/** Every activity the worker registers, bound to its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...photoActivities(deps),
    ...assetActivities(deps),
    ...avatarActivities(deps),
    ...videoActivities(deps),
    ...deliveryActivities(deps),
    ...jobRouteActivities(deps),
    ...renderSlotActivities(deps),
    ...inputValidationActivities(deps),
  };
}

/** The activity interface workflows import (as a type only). */
export type Activities = ReturnType<typeof createActivities>;
