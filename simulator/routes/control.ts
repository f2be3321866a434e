import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { readBody, sendJson } from '../../lib/httpServer';
import { formatPath } from '../http';
import type { FaultRule, JobDurations, JobOutcomeRule, RunningSimulator, WebhookFaultRule } from '../types';

/** What the control API drives: the running simulator's own test hooks. */
export type ControlTarget = Omit<RunningSimulator, 'close' | 'url' | 'apiKey' | 'port'> & {
  baseUrl(): string;
  rendersInFlight(): number;
};

const count = z.number().int().min(1);
const probability = z.number().min(0).max(1);

const faultRuleSchema = z.strictObject({
  method: z.string().min(1).optional(),
  path: z
    .string()
    .refine((p) => {
      try {
        new RegExp(p, 'u');
        return true;
      } catch {
        return false;
      }
    }, 'must be a valid regular expression')
    .optional(),
  kind: z.enum(['http_error', 'rate_limit', 'error_envelope', 'slow', 'drop']),
  status: z.number().int().min(100).max(599).optional(),
  retryAfterSeconds: z.number().min(0).optional(),
  delayMs: z.number().min(0).optional(),
  code: z.union([z.number(), z.string()]).optional(),
  message: z.string().optional(),
  when: z.enum(['before', 'after']).optional(),
  times: count.optional(),
  probability: probability.optional(),
});

const jobOutcomeSchema = z.strictObject({
  job: z.enum(['photo_generation', 'look_generation', 'training', 'render']),
  outcome: z.literal('fail'),
  message: z.string().optional(),
  code: z.number().int().optional(),
  failureCode: z.string().min(1).optional(),
  times: count.optional(),
});

const creditsSchema = z.strictObject({ credits: z.number().int().min(0).nullable() });
const clockSchema = z.strictObject({ advanceMs: z.number().min(0) });

const webhookFaultSchema = z.strictObject({
  eventType: z.string().min(1).optional(),
  kind: z.enum(['drop', 'duplicate', 'delay']),
  delayMs: z.number().min(0).optional(),
  times: count.optional(),
  probability: probability.optional(),
});

const durationsSchema = z.strictObject({
  photoGenerationMs: z.number().min(0).optional(),
  lookGenerationMs: z.number().min(0).optional(),
  lookProcessingMs: z.number().min(0).optional(),
  trainingMs: z.number().min(0).optional(),
  renderMs: z.number().min(0).optional(),
});

const oneOrMany = <S extends z.ZodType>(schema: S) => z.union([schema, z.array(schema)]);

class ControlError extends Error {}

function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ControlError(`${issue ? formatPath(issue.path) : 'body'}: ${issue?.message ?? 'invalid'}`);
}

const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/**
 * Control API for tests running in another process (no X-Api-Key, never faulted, not in the call log):
 * GET /_sim/health, /_sim/log, /_sim/webhook-log, /_sim/state, /_sim/ledger, /_sim/credits, /_sim/clock;
 * POST /_sim/faults, /_sim/job-outcomes, /_sim/webhook-faults (one rule or an array), /_sim/durations,
 * /_sim/log/clear, /_sim/credits `{credits: n | null}` (null = unlimited), /_sim/clock `{advanceMs}`;
 * DELETE /_sim/faults.
 */
export async function handleControl(
  target: ControlTarget,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  let body: unknown = undefined;
  const read = await readBody(req, 1024 * 1024);
  if (read.kind === 'aborted') return;
  if (read.kind === 'too_large') {
    sendJson(
      res,
      413,
      { error: `Request body exceeds the limit of ${read.limit} bytes` },
      { Connection: 'close' },
    );
    return;
  }
  try {
    if (read.body.length > 0) body = JSON.parse(read.body.toString('utf8')) as unknown;
  } catch {
    sendJson(res, 400, { error: 'Body is not valid JSON' });
    return;
  }

  try {
    const key = `${method} ${path}`;
    switch (key) {
      case 'GET /_sim/health':
        sendJson(res, 200, { ok: true, url: target.baseUrl() });
        return;
      case 'GET /_sim/log':
        sendJson(res, 200, target.log());
        return;
      case 'GET /_sim/webhook-log':
        sendJson(res, 200, target.webhookLog());
        return;
      case 'GET /_sim/state':
        sendJson(res, 200, { ...target.snapshot(), rendersInFlight: target.rendersInFlight() });
        return;
      case 'POST /_sim/faults': {
        const rules: FaultRule[] = asArray(parse(oneOrMany(faultRuleSchema), body));
        rules.forEach((r) => target.addFault(r));
        sendJson(res, 200, { ok: true, added: rules.length });
        return;
      }
      case 'POST /_sim/job-outcomes': {
        const rules: JobOutcomeRule[] = asArray(parse(oneOrMany(jobOutcomeSchema), body));
        rules.forEach((r) => target.addJobOutcome(r));
        sendJson(res, 200, { ok: true, added: rules.length });
        return;
      }
      case 'POST /_sim/webhook-faults': {
        const rules: WebhookFaultRule[] = asArray(parse(oneOrMany(webhookFaultSchema), body));
        rules.forEach((r) => target.addWebhookFault(r));
        sendJson(res, 200, { ok: true, added: rules.length });
        return;
      }
      case 'DELETE /_sim/faults':
        target.clearFaults();
        sendJson(res, 200, { ok: true });
        return;
      case 'POST /_sim/durations': {
        const durations: Partial<JobDurations> = parse(durationsSchema, body ?? {});
        target.setDurations(durations);
        sendJson(res, 200, { ok: true });
        return;
      }
      case 'POST /_sim/log/clear':
        target.clearLog();
        sendJson(res, 200, { ok: true });
        return;
      case 'GET /_sim/ledger':
        sendJson(res, 200, target.ledger());
        return;
      case 'GET /_sim/credits':
        sendJson(res, 200, { credits: target.credits() ?? null });
        return;
      case 'POST /_sim/credits': {
        const { credits } = parse(creditsSchema, body);
        target.setCredits(credits ?? undefined);
        sendJson(res, 200, { ok: true, credits });
        return;
      }
      case 'GET /_sim/clock':
        sendJson(res, 200, { now: target.now() });
        return;
      case 'POST /_sim/clock': {
        const { advanceMs } = parse(clockSchema, body);
        target.advanceClock(advanceMs);
        sendJson(res, 200, { ok: true, now: target.now() });
        return;
      }
      default:
        sendJson(res, 404, { error: `Unknown control route ${method} ${path}` });
    }
  } catch (err) {
    if (err instanceof ControlError) sendJson(res, 400, { error: err.message });
    else throw err;
  }
}
