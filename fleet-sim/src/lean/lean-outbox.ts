/**
 * A lean device's statistics outbox: the agent's store-and-forward (agent/src/adapters/outbox.ts)
 * in memory. It stands for the agent's disk, so an agent crash keeps it. Windows go out one at a
 * time, oldest first, QoS 1; a window leaves the queue only on its PUBACK, so a broker or hub
 * restart, a rate-limit disconnect or a crash loses nothing (a window may go out twice: the hub
 * dedupes on msgId). Past `max` windows the two oldest mergeable ones are merged (counted in
 * `merged`), else the oldest is dropped and counted in `lost` of the newest, as the agent does.
 */
import { mergeStatsWindows, statsWindowsMergeable, type StatsWindow } from '@edgefleet/protocol';

/** Publishes one window; resolves on PUBACK, rejects when it was not delivered (link gone). */
export type WindowSender = (window: StatsWindow) => Promise<void>;

export interface OutboxTally {
  /** windows and rows acknowledged by the broker, per `model@version` */
  acked: Map<string, { windows: number; rows: number; errors: number }>;
  merged: number;
  lost: number;
  publishes: number;
}

export const versionKey = (w: Pick<StatsWindow, 'model' | 'version'>): string => `${w.model}@${w.version}`;

const errorsOf = (w: StatsWindow): number => Object.values(w.errors).reduce((a, b) => a + b, 0);

export class LeanOutbox {
  private readonly queue: StatsWindow[] = [];
  private inflight: { window: StatsWindow; token: object } | null = null;
  readonly tally: OutboxTally = { acked: new Map(), merged: 0, lost: 0, publishes: 0 };

  constructor(private readonly max: number) {}

  get size(): number {
    return this.queue.length;
  }

  add(window: StatsWindow): void {
    this.queue.push(window);
    while (this.queue.length > this.max && this.shrink()) {
      // one merge or drop per pass
    }
  }

  /** Sends the queue in order through `send` until it is empty or a send fails. */
  drain(send: WindowSender | null): void {
    const head = this.queue[0];
    if (!send || !head || this.inflight) return;
    const token = {};
    this.inflight = { window: head, token };
    this.tally.publishes++;
    send(head).then(
      () => {
        if (this.inflight?.token !== token) return;
        this.inflight = null;
        const at = this.queue.indexOf(head);
        if (at >= 0) this.queue.splice(at, 1);
        const key = versionKey(head);
        const acked = this.tally.acked.get(key) ?? { windows: 0, rows: 0, errors: 0 };
        acked.windows++;
        acked.rows += head.n;
        acked.errors += errorsOf(head);
        this.tally.acked.set(key, acked);
        this.drain(send);
      },
      () => {
        if (this.inflight?.token === token) this.inflight = null;
      },
    );
  }

  /** The link is gone (crash, churn): the window in flight stays queued and goes out again later. */
  linkLost(): void {
    this.inflight = null;
  }

  private shrink(): boolean {
    const candidates = this.queue.filter((w) => w !== this.inflight?.window);
    for (let i = 0; i < candidates.length; i++) {
      const older = candidates[i] as StatsWindow;
      const newer = candidates.slice(i + 1).find((w) => statsWindowsMergeable(older, w));
      if (!newer) continue;
      const sum = mergeStatsWindows(older, newer);
      this.queue.splice(this.queue.indexOf(older), 1, { ...sum, merged: (sum.merged ?? 0) + 1 });
      this.queue.splice(this.queue.indexOf(newer), 1);
      this.tally.merged++;
      return true;
    }
    const oldest = candidates[0];
    const newest = this.queue[this.queue.length - 1];
    if (!oldest || !newest || oldest === newest) return false;
    const dropped = 1 + (oldest.merged ?? 0) + (oldest.lost ?? 0);
    this.queue[this.queue.length - 1] = { ...newest, lost: (newest.lost ?? 0) + dropped };
    this.queue.splice(this.queue.indexOf(oldest), 1);
    this.tally.lost += dropped;
    return true;
  }
}
