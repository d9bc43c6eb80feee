/**
 * Store and forward for statistics windows, as the agent does on disk: every closed window is put
 * in IndexedDB before it is published and removed only after the broker's PUBACK, so a closed tab
 * or a dropped connection loses nothing (a window sent twice is deduped by the hub on msgId).
 * Windows go out one at a time, oldest first. The queue is bounded: past `maxWindows` the oldest
 * window is merged into a later one of its version, or dropped and counted (outbox-overflow.ts).
 */
import type { StatsWindow } from '@edgefleet/protocol';
import type { WebLogger } from '../api';
import type { DeviceStore } from './device-store';
import { overflowStep } from './outbox-overflow';

export interface StatsSender {
  connected(): boolean;
  publish(window: StatsWindow): Promise<void>;
}

export const DEFAULT_MAX_WINDOWS = 500;

export class StatsOutbox {
  private queue: Array<{ key: string; window: StatsWindow }> = [];
  private counter = 0;
  private sender: StatsSender | null = null;
  private draining: Promise<void> | null = null;
  private sending: string | null = null;
  private writes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: DeviceStore,
    private readonly maxWindows: number,
    private readonly logger: WebLogger,
    private readonly changed: () => void,
  ) {}

  static async open(store: DeviceStore, options: { maxWindows?: number; logger: WebLogger; changed: () => void }): Promise<StatsOutbox> {
    const outbox = new StatsOutbox(store, Math.max(2, options.maxWindows ?? DEFAULT_MAX_WINDOWS), options.logger, options.changed);
    outbox.queue = await store.windows();
    return outbox;
  }

  pending(): number {
    return this.queue.length;
  }

  /** Stores the window, then sends what is queued if the link is up. */
  add(window: StatsWindow): Promise<void> {
    const write = this.writes.then(async () => {
      // Time first so keys sort in closing order across page loads; the counter within one.
      const key = `${Date.now().toString().padStart(15, '0')}-${(this.counter++).toString().padStart(6, '0')}`;
      await this.store.addWindow(key, window);
      this.queue.push({ key, window });
      await this.bound();
      this.changed();
    });
    this.writes = write.catch(() => {});
    return write.then(() => void this.drain());
  }

  setSender(sender: StatsSender | null): void {
    this.sender = sender;
    if (sender) void this.drain();
  }

  /** Sends queued windows one by one while connected; resolves when it stops. */
  drain(): Promise<void> {
    this.draining ??= this.sendAll().finally(() => (this.draining = null));
    return this.draining;
  }

  idle(): Promise<unknown> {
    return Promise.all([this.writes, this.draining]);
  }

  private async sendAll(): Promise<void> {
    for (;;) {
      const sender = this.sender;
      const next = this.queue[0];
      if (!sender || !next || !sender.connected()) return;
      this.sending = next.key;
      try {
        await sender.publish(next.window);
      } catch (error) {
        this.logger.debug('statistics window not acknowledged; kept for the next connection', { msgId: next.window.msgId, error: String(error) });
        return;
      } finally {
        this.sending = null;
      }
      await this.store.removeWindow(next.key);
      this.queue = this.queue.filter((entry) => entry.key !== next.key);
      this.changed();
    }
  }

  private async bound(): Promise<void> {
    while (this.queue.length > this.maxWindows) {
      const step = overflowStep(this.queue, this.sending);
      if (!step) return;
      if (!step.merged) this.logger.warn('statistics outbox full: dropped the oldest window', { key: step.remove });
      // One IndexedDB transaction: a closed tab never leaves both the sum and a part of it to send.
      await this.store.replaceWindows(step.into, step.window, step.remove);
      this.queue = this.queue.filter((entry) => entry.key !== step.remove).map((entry) => (entry.key === step.into ? { key: step.into, window: step.window } : entry));
    }
  }

}
