/** A run's log line, stored for GET /api/v1/training-runs/{id}/logs. */
import { appendLog } from '../../adapters/db/training-runs';
import type { HubContext } from '../context';

export function runLog(ctx: HubContext, runId: string, level: 'info' | 'warn' | 'error', message: string): void {
  appendLog(ctx.db, runId, ctx.now().toISOString(), level, message);
}
