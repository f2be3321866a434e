import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { ApiVersion } from '../contracts/apiVersion';
import { SEARCH_ATTRIBUTES } from '../contracts/searchAttributes';

/**
 * What a run shows in the Temporal UI: its stage and every HeyGen id as search attributes (so the run can be found
 * by them), the failure code, and a one-line "current details" summary of its progress.
 */
export class Visibility {
  private readonly ids = new Set<string>();

  stage(stage: string, details?: string): void {
    setCurrentDetails(details ? `**${stage}** — ${details}` : `**${stage}**`);
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.stage, value: stage }]);
  }

  heygenIds(...ids: Array<string | undefined>): void {
    const before = this.ids.size;
    for (const id of ids) if (id) this.ids.add(id);
    if (this.ids.size !== before) {
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.ids, value: [...this.ids] }]);
    }
  }

  /** The HeyGen API generation the run speaks (fixed for its life): find v2 and v3 runs apart. */
  apiVersion(version: ApiVersion): void {
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.apiVersion, value: version }]);
  }

  avatarName(name: string): void {
    upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.avatarName, value: name }]);
  }

  failed(stage: string, code: string | number | undefined, message: string): void {
    setCurrentDetails(`**failed** in ${stage}: ${message}`);
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.stage, value: 'failed' },
      ...(code !== undefined ? [{ key: SEARCH_ATTRIBUTES.failureCode, value: String(code) }] : []),
    ]);
  }
}
