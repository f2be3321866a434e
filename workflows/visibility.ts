import { patched, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { SEARCH_ATTRIBUTES } from '../contracts/searchAttributes';

/** Marks histories recorded after search attributes were introduced (older runs replay without them). */
export const SEARCH_ATTRIBUTES_PATCH = 'search-attributes';

/**
 * What a run shows in the Temporal UI: its stage and every HeyGen id as search attributes (so the run can be found
 * by them), the failure code, and a one-line "current details" summary of its progress.
 */
export class Visibility {
  private readonly enabled: boolean;
  private readonly ids = new Set<string>();

  constructor() {
    this.enabled = patched(SEARCH_ATTRIBUTES_PATCH);
  }

  stage(stage: string, details?: string): void {
    setCurrentDetails(details ? `**${stage}** — ${details}` : `**${stage}**`);
    if (this.enabled) upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.stage, value: stage }]);
  }

  heygenIds(...ids: Array<string | undefined>): void {
    const before = this.ids.size;
    for (const id of ids) if (id) this.ids.add(id);
    if (this.enabled && this.ids.size !== before) {
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.ids, value: [...this.ids] }]);
    }
  }

  avatarName(name: string): void {
    if (this.enabled) upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.avatarName, value: name }]);
  }

  failed(stage: string, code: string | number | undefined, message: string): void {
    setCurrentDetails(`**failed** in ${stage}: ${message}`);
    if (!this.enabled) return;
    upsertSearchAttributes([
      { key: SEARCH_ATTRIBUTES.stage, value: 'failed' },
      ...(code !== undefined ? [{ key: SEARCH_ATTRIBUTES.failureCode, value: String(code) }] : []),
    ]);
  }
}
