import type { Logger } from '../telemetry/log';
import { apiRequestSeconds, apiRequests } from '../telemetry/metrics';
import type { ApiRequestLog } from './server';

/** One JSON log line and the request metrics per API request (route templates, never raw paths or tokens). */
export function observeRequests(log: Logger): (entry: ApiRequestLog) => void {
  return (entry) => {
    apiRequests.inc({ route: entry.route, status: String(entry.status) });
    apiRequestSeconds.observe({ route: entry.route }, entry.durationMs / 1000);
    log.log(entry.status >= 500 ? 'error' : 'info', `${entry.method} ${entry.route} ${entry.status}`, {
      ...entry,
    });
  };
}
