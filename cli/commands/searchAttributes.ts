import { Connection } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { temporalConfigFromEnv } from '../../client/config';
import { SEARCH_ATTRIBUTE_TYPES } from '../../contracts/searchAttributes';
import { info, reportFailure } from '../output';

const INDEXED = {
  Keyword: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KeywordList: proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** `search-attributes register`: adds the product's custom search attributes to a self-hosted cluster's namespace. */
export async function registerSearchAttributes(): Promise<void> {
  let connection: Connection | undefined;
  try {
    const config = temporalConfigFromEnv();
    connection = await Connection.connect({ address: config.address });
    const existing = await connection.operatorService.listSearchAttributes({ namespace: config.namespace });
    const missing = Object.entries(SEARCH_ATTRIBUTE_TYPES).filter(
      ([name]) => !(name in (existing.customAttributes ?? {})),
    );
    if (missing.length === 0) {
      info(
        `all ${Object.keys(SEARCH_ATTRIBUTE_TYPES).length} search attributes are registered in ${config.namespace}`,
      );
      return;
    }
    await connection.operatorService.addSearchAttributes({
      namespace: config.namespace,
      searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, INDEXED[type]])),
    });
    info(`registered ${missing.map(([n]) => n).join(', ')} in ${config.namespace}`);
  } catch (err) {
    reportFailure(err, false);
  } finally {
    await connection?.close();
  }
}
