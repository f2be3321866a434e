import type { z } from 'zod';

/** Turns the first zod issue into "field.path: message" — the message every edge shows for bad input. */
export function describeIssue(error: z.ZodError, root?: string): { field: string; message: string } {
  const issue = error.issues[0];
  const path = issue?.path.map(String) ?? [];
  // An unknown key is reported on its parent object: name the key itself.
  if (issue?.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  const field = [root, ...path].filter((p): p is string => Boolean(p)).join('.') || '(input)';
  return { field, message: issue?.message ?? 'invalid value' };
}

export class InputValidationError extends Error {
  override readonly name = 'InputValidationError';
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super(`Invalid input: ${field}: ${detail}`);
  }
}

/** Parses `value` with `schema` or throws an InputValidationError naming the offending field. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, root?: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const { field, message } = describeIssue(parsed.error, root);
  throw new InputValidationError(field, message);
}
