/**
 * Live updates for the console (issue 13): `GET /api/v1/stream` is a server-sent event stream of
 * the audit trail as it commits, on whichever replica (services/console/audit-feed.ts): every
 * rollout step, assignment, device state change, alert and admin action, so pages update without
 * reloading. A browser that reconnects sends Last-Event-ID and first gets what it missed (up to
 * `CATCH_UP_ROWS`). A comment every 15 s keeps proxies from closing an idle stream.
 *
 * The credentials it opened with are checked again at each heartbeat and whenever an admin token
 * is revoked or rotated: a stream ends once they no longer open the API (token revoked, rotated
 * or expired, session ended), instead of delivering the audit trail on.
 */
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { auditAfter } from '../../adapters/db/audit';
import { createAuditFeed, type AuditRow } from '../../services/console/audit-feed';
import type { HubContext } from '../../services/context';
import { credentialsStillLive, type AppEnv } from '../auth';
import { errorBody } from '../errors';
import type { RouteSpec } from '../openapi';

/** Streams one hub serves at once; more get 503 (each holds a connection and a queue). */
export const MAX_STREAMS = 64;
/** Rows a subscriber may have queued but not yet written before it is dropped. */
const MAX_QUEUED = 1_000;
const CATCH_UP_ROWS = 500;
const HEARTBEAT_MS = 15_000;

const lastEventId = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const streamSpecs: RouteSpec[] = [
  {
    method: 'get',
    path: '/api/v1/stream',
    summary: 'Server-sent events: `audit` for every audit row as it commits (id = the row id; Last-Event-ID resumes)',
    auth: 'admin',
    scope: 'read',
    responses: { 200: { description: 'text/event-stream', mediaType: 'text/event-stream' }, 503: { description: 'too many streams open on this hub' } },
  },
];

/** Rows after which a stream's credentials may have ended: checked before anything further is sent. */
const ENDS_CREDENTIALS: ReadonlySet<string> = new Set(['admin-token.revoked', 'admin-token.rotated']);

const message = (row: AuditRow) => ({ event: 'audit', id: String(row.id), data: JSON.stringify({ id: row.id, at: row.at, actor: row.actor, action: row.action, subject: row.subject, details: row.details }) });

export function registerStream(app: Hono<AppEnv>, ctx: HubContext, options: { pollMs?: number } = {}): void {
  const feed = createAuditFeed(ctx, options);
  app.get('/api/v1/stream', async (c) => {
    if (feed.subscribers >= MAX_STREAMS) return c.json(errorBody('E_UNAVAILABLE', `${MAX_STREAMS} event streams are open on this hub; retry later`), 503, { 'Retry-After': '10' });
    const resumeFrom = lastEventId.safeParse(c.req.header('last-event-id'));
    const stillLive = credentialsStillLive(c, ctx);
    const live = async (): Promise<boolean> => {
      try {
        return await stillLive();
      } catch (error) {
        // Not confirmed live is not live: the browser reconnects and authenticates again.
        ctx.logger.warn('event stream: could not re-check its credentials; closing it', { error: error instanceof Error ? error.message : String(error) });
        return false;
      }
    };
    return streamSSE(c, async (stream) => {
      const queue: AuditRow[] = [];
      const sent = new Set<number>();
      let wake: (() => void) | null = null;
      let dropped = false;
      const unsubscribe = await feed.subscribe({
        deliver(row) {
          if (queue.length >= MAX_QUEUED) return false;
          queue.push(row);
          wake?.();
          return true;
        },
        dropped() {
          dropped = true;
          wake?.();
        },
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      await stream.writeSSE({ event: 'ready', data: '{}', retry: 3_000 });
      if (resumeFrom.success) {
        for (const row of await auditAfter(ctx.db, resumeFrom.data, CATCH_UP_ROWS)) {
          sent.add(row.id);
          await stream.writeSSE(message(row));
        }
      }
      let checkedAt = Date.now();
      while (!stream.aborted && !dropped) {
        // Each heartbeat's worth of time, busy or idle.
        if (Date.now() - checkedAt >= HEARTBEAT_MS) {
          if (!(await live())) break;
          checkedAt = Date.now();
        }
        const row = queue.shift();
        if (row) {
          if (ENDS_CREDENTIALS.has(row.action) && !(await live())) break;
          // A row the catch-up already sent comes once.
          if (!sent.delete(row.id)) await stream.writeSSE(message(row));
          continue;
        }
        const heartbeat = setTimeout(() => wake?.(), HEARTBEAT_MS);
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
        clearTimeout(heartbeat);
        if (queue.length === 0 && !stream.aborted && !dropped) {
          if (!(await live())) break;
          checkedAt = Date.now();
          await stream.write(': ping\n\n');
        }
      }
      unsubscribe();
    });
  });
}
