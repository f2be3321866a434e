import type { Connection } from '@temporalio/client';
import { temporalConfigFromEnv } from '../../client/config';
import { connectTemporal } from '../../client/connection';
import { ensureSearchAttributes } from '../../client/searchAttributes';
import { info, reportFailure } from '../output';

/** `search-attributes register`: adds the product's custom search attributes to a self-hosted cluster's namespace. */
export async function registerSearchAttributes(): Promise<void> {
  let connection: Connection | undefined;
  try {
    const config = temporalConfigFromEnv();
    connection = await connectTemporal(config);
    const added = await ensureSearchAttributes(connection, config.namespace);
    info(
      added.length > 0
        ? `registered ${added.join(', ')} in ${config.namespace}`
        : `all search attributes are registered in ${config.namespace}`,
    );
  } catch (err) {
    reportFailure(err, false);
  } finally {
    await connection?.close();
  }
}
