/**
 * Store and forward for statistics windows, as the agent does on disk: every closed window is put
 * in IndexedDB before it is published and removed only after the broker's PUBACK, so a closed tab
 * or a dropped connection loses nothing (a window sent twice is deduped by the hub on msgId).
 * Windows go out one at a time, oldest first. The queue is bounded: past `maxWindows` the oldest
 * window is merged into the next one of the same version (protocol mergeStatsWindows: counts add
 * up, `merged` says so), or dropped and counted in the next window's `lost` when none matches.
 */
import { mergeStatsWindows, statsWindowsMergeable, type StatsWindow } from '@edgefleet/protocol';
import type { WebLogger } from '../api';
import type { DeviceStore } from './device-store';

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
      const start = this.queue[0]?.key === this.sending ? 1 : 0;
      const oldest = this.queue[start];
      const rest = this.queue.slice(start + 1);
      if (!oldest || rest.length === 0) return;
      const partner = rest.find((entry) => statsWindowsMergeable(oldest.window, entry.window));
      const into = partner ?? rest[0];
      if (!into) return;
      const window = partner ? mergeStatsWindows(oldest.window, partner.window) : { ...into.window, lost: (into.window.lost ?? 0) + 1 + (oldest.window.lost ?? 0) };
      if (!partner) this.logger.warn('statistics outbox full: dropped the oldest window', { msgId: oldest.window.msgId });
      // The replacement is stored before the oldest goes: a crash in between sends a count twice, never loses it.
      await this.store.addWindow(into.key, window);
      await this.store.removeWindow(oldest.key);
      this.queue = this.queue.filter((entry) => entry.key !== oldest.key).map((entry) => (entry.key === into.key ? { key: into.key, window } : entry));
    }
  }
}
