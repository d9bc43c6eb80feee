/**
 * The console's live updates (issue 13): every audit row as it commits, from any replica, to the
 * browsers following this hub's stream. One poller per hub reads the trail after its watermark
 * (core/console/audit-follower.ts says why a watermark and not "the last id seen") and hands each
 * new row to every subscriber; it runs only while someone follows. A subscriber that falls
 * `MAX_QUEUED` rows behind is dropped (its browser reconnects and resumes from its last id).
 */
import { auditAfter, lastAuditId } from '../../adapters/db/audit';
import type { audit } from '../../adapters/db/schema';
import { advance, followFrom, type AuditFollowerState } from '../../core/console/audit-follower';
import type { HubContext } from '../context';

export type AuditRow = typeof audit.$inferSelect;

export interface AuditSubscriber {
  /** a new row; false when this subscriber cannot keep up (it is then dropped) */
  deliver(row: AuditRow): boolean;
  /** the feed dropped it */
  dropped(): void;
}

export interface AuditFeed {
  /** Follows the trail: every row committed after this resolves; resolves with the unsubscribe. */
  subscribe(subscriber: AuditSubscriber): Promise<() => void>;
  readonly subscribers: number;
  close(): void;
}

/** Rows read per poll: a burst larger than this is read over the next polls. */
const POLL_ROWS = 500;

export function createAuditFeed(deps: Pick<HubContext, 'db' | 'logger'>, options: { pollMs?: number } = {}): AuditFeed {
  const pollMs = options.pollMs ?? 1_000;
  const subscribers = new Set<AuditSubscriber>();
  let follower: AuditFollowerState | null = null;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const pollOnce = async (from: AuditFollowerState): Promise<void> => {
    const rows = await auditAfter(deps.db, from.watermark, POLL_ROWS);
    const step = advance(from, rows.map((row) => row.id), Date.now());
    follower = step.state;
    const fresh = new Set(step.emit);
    for (const row of rows) {
      if (!fresh.has(row.id)) continue;
      for (const subscriber of [...subscribers]) {
        if (!subscriber.deliver(row)) {
          subscribers.delete(subscriber);
          subscriber.dropped();
        }
      }
    }
  };

  const poll = async (): Promise<void> => {
    timer = null;
    if (closed || subscribers.size === 0) {
      follower = null;
      return;
    }
    try {
      if (follower) await pollOnce(follower);
    } catch (error) {
      deps.logger.warn('could not read the audit trail for the live feed', { error: String(error) });
    }
    if (!closed && subscribers.size > 0) timer = setTimeout(() => void poll(), pollMs).unref();
    else follower = null;
  };

  return {
    async subscribe(subscriber) {
      // The first follower starts from the trail's end as it is now; later ones join it.
      if (!follower) {
        const from = followFrom(await lastAuditId(deps.db));
        follower ??= from;
      }
      subscribers.add(subscriber);
      if (timer === null && !closed) timer = setTimeout(() => void poll(), pollMs).unref();
      return () => void subscribers.delete(subscriber);
    },
    get subscribers() {
      return subscribers.size;
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const subscriber of subscribers) subscriber.dropped();
      subscribers.clear();
    },
  };
}
