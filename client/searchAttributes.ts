import type { Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_TYPES } from '../contracts/searchAttributes';

const INDEXED = {
  Keyword: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KeywordList: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** The product's custom search attributes that the namespace does not have yet. */
export async function missingSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  return Object.keys(SEARCH_ATTRIBUTE_TYPES).filter((name) => !(name in (existing.customAttributes ?? {})));
}

/** Registers whichever of the product's search attributes are missing (idempotent); returns what it added. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const missing = await missingSearchAttributes(connection, namespace);
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((name) => [name, INDEXED[SEARCH_ATTRIBUTE_TYPES[name]!]]),
    ),
  });
  return missing;
}
