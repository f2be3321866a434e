import type { HeyGenConfig } from './config';
import type { Timeouts } from './http';
import type { HeyGenPort } from './port';
import { V2Adapter } from './v2/adapter';
import { V3Adapter } from './v3/adapter';

/** The adapter for the configured API version (HEYGEN_API_VERSION): v3 by default, v2 when chosen. */
export function createHeyGenPort(config: HeyGenConfig, timeouts: Partial<Timeouts> = {}): HeyGenPort {
  return config.apiVersion === 'v2' ? new V2Adapter(config, timeouts) : new V3Adapter(config, timeouts);
}
