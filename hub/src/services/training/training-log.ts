/** A run's log line, stored for GET /api/v1/training-runs/{id}/logs; resolves with its seq. */
import { appendLog } from '../../adapters/db/training-runs';
import type { HubContext } from '../context';

export function runLog(deps: Pick<HubContext, 'db' | 'now'>, runId: string, level: 'info' | 'warn' | 'error', message: string): Promise<number> {
  return appendLog(deps.db, runId, deps.now().toISOString(), level, message);
}
