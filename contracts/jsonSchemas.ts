import { z } from 'zod';
import { renderBatchInputSchema } from './batch';
import { lifecycleInputSchema } from './lifecycle';
import { renderVideoInputSchema } from './render';
import {
  batchProgressSchema,
  jobEventSchema,
  lifecycleProgressSchema,
  lifecycleResultSchema,
  renderBatchResultSchema,
  renderProgressSchema,
  renderVideoResultSchema,
} from './results';

/**
 * The language-neutral contract: JSON Schema (2020-12) of every workflow input, result and progress query and of the signal any
 * SDK may send, generated from the same zod schemas the workflows validate with. Written to contracts/json-schema/
 * by `heygen-pipelines contract schemas`; a test fails when the committed files are not current.
 */
export function contractJsonSchemas(): Record<string, unknown> {
  const input = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  const output = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' });
  return {
    'photoAvatarLifecycle.input': input(lifecycleInputSchema),
    'photoAvatarLifecycle.result': output(lifecycleResultSchema),
    'photoAvatarLifecycle.progress': output(lifecycleProgressSchema),
    'renderVideo.input': input(renderVideoInputSchema),
    'renderVideo.result': output(renderVideoResultSchema),
    'renderVideo.progress': output(renderProgressSchema),
    'renderBatch.input': input(renderBatchInputSchema),
    'renderBatch.result': output(renderBatchResultSchema),
    'renderBatch.progress': output(batchProgressSchema),
    'heygenJobEvent.signal': input(jobEventSchema),
  };
}
