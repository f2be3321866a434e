/** Failure types (ApplicationFailure.type) that workflows and callers see, besides `HeyGen<Kind>`. */
export const FAILURE_TYPES = {
  invalidInput: 'InvalidInput',
  jobFailed: 'HeyGenJobFailed',
  fileError: 'FileError',
  stageTimeout: 'StageTimeout',
} as const;

/** Failure types that retrying cannot fix: activity retry policies stop at once on them. */
export const NON_RETRYABLE_TYPES = [
  'HeyGenInvalidRequest',
  'HeyGenUnauthorized',
  'HeyGenForbidden',
  'HeyGenInsufficientCredit',
  'HeyGenConflict',
  'HeyGenUnsupported',
  'HeyGenNotFound',
  'HeyGenPayloadTooLarge',
  'HeyGenApiError',
  'HeyGenInvalidResponse',
  FAILURE_TYPES.jobFailed,
  FAILURE_TYPES.invalidInput,
  FAILURE_TYPES.fileError,
];
