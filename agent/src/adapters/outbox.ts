/**
 * Store and forward for statistics windows (DRIFT, ARCHITECTURE "store-and-forward while
 * offline"). Every closed window is written to dataDir/outbox/<seq>.json (atomically) BEFORE it
 * is published, and its file is deleted only after the broker acknowledged it (QoS 1 PUBACK), so
 * a crash anywhere loses nothing; it may send a window twice, which the hub dedupes on msgId.
 * Windows go out one at a time in the order they were closed.
 *
 * The queue is bounded (`maxWindows`). Past the bound the two oldest mergeable windows (one
 * version, and the same shadow candidate if any) are merged by addition (their sum counts one more in `merged`); when no two queued windows share a
 * version, the oldest is dropped and counted in `lost` of the window being added (with whatever
 * it had itself merged or lost). A window being published is never merged or dropped.
 * Crash safety of a merge: the sum replaces the older file and names the newer one in
 * `supersedes`, so a restart deletes the newer file if the crash came before its unlink.
 */
import { mergeStatsWindows, statsWindowSchema, statsWindowsMergeable, type StatsWindow } from '@edgefleet/protocol';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { AgentLogger } from '../logger';
import { fsyncDir, readTextIfExists, writeFileAtomic } from './atomic-file';

export interface StatsSender {
  /** true while the MQTT session is up */
  connected(): boolean;
  /** publishes QoS 1; resolves on PUBACK, rejects if it cannot be delivered */
  publish(window: StatsWindow): Promise<void>;
}

export interface OutboxOptions {
  /** directory of the queue files; created if missing */
  dir: string;
  /** windows kept on disk before merging or dropping; default 500, at least 2 */
  maxWindows?: number;
  logger: AgentLogger;
}

export const DEFAULT_MAX_WINDOWS = 500;

const fileSchema = z.strictObject({ window: statsWindowSchema, supersedes: z.array(z.number().int().min(0)).optional() });
const FILE_NAME = /^(\d{12})\.json$/;

interface Entry {
  seq: number;
  window: StatsWindow;
}

export class Outbox {
  private sender: StatsSender | null = null;
  private inflight: number | null = null;
  private ops: Promise<unknown> = Promise.resolve();
  private draining: Promise<void> | null = null;
  private again = false;

  private constructor(
    private readonly dir: string,
    private readonly maxWindows: number,
    private readonly logger: AgentLogger,
    private readonly entries: Entry[],
    private nextSeq: number,
    /** windows found unreadable on open, counted as lost on the next window added */
    private pendingLost: number,
  ) {}

  static async open(options: OutboxOptions): Promise<Outbox> {
    const maxWindows = Math.max(2, options.maxWindows ?? DEFAULT_MAX_WINDOWS);
    await mkdir(options.dir, { recursive: true });
    const names = (await readdir(options.dir)).sort();
    const entries: Entry[] = [];
    const superseded = new Set<number>();
    let lost = 0;
    let maxSeq = -1;
    for (const name of names) {
      const path = join(options.dir, name);
      const seq = Number(FILE_NAME.exec(name)?.[1] ?? NaN);
      // Temp files of a write that crashed before its rename, or strangers: never read.
      if (!Number.isInteger(seq)) {
        await rm(path, { force: true });
        continue;
      }
      maxSeq = Math.max(maxSeq, seq);
      const read = await readTextIfExists(path);
      const parsed = read.kind === 'ok' ? fileSchema.safeParse(safeJson(read.text)) : null;
      if (!parsed?.success) {
        options.logger.warn('unreadable statistics window dropped from the outbox', { file: name });
        await rm(path, { force: true });
        lost++;
        continue;
      }
      for (const s of parsed.data.supersedes ?? []) superseded.add(s);
      entries.push({ seq, window: parsed.data.window });
    }
    const kept = entries.filter((entry) => !superseded.has(entry.seq));
    for (const entry of entries) if (superseded.has(entry.seq)) await rm(join(options.dir, fileName(entry.seq)), { force: true });
    return new Outbox(options.dir, maxWindows, options.logger, kept, maxSeq + 1, lost);
  }

  /** windows waiting (including one being published) */
  get size(): number {
    return this.entries.length;
  }

  /** the queued windows, oldest first (a copy) */
  queued(): StatsWindow[] {
    return this.entries.map((entry) => entry.window);
  }

  /** Persists `window`, then tries to send what is queued. Resolves once it is on disk. */
  async add(window: StatsWindow): Promise<void> {
    await this.serial(async () => {
      const lost = (window.lost ?? 0) + this.pendingLost;
      const entry: Entry = { seq: this.nextSeq++, window: lost > 0 ? { ...window, lost } : window };
      await this.write(entry);
      this.pendingLost = 0;
      this.entries.push(entry);
      while (this.entries.length > this.maxWindows && (await this.shrink())) {
        // each pass merges or drops one window
      }
    });
    void this.drain();
  }

  /** The link to publish through (null while there is none); a new one drains the queue. */
  setSender(sender: StatsSender | null): void {
    this.sender = sender;
    if (sender) void this.drain();
  }

  /** Sends queued windows in order until the queue is empty or the link is down. */
  drain(): Promise<void> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = (async () => {
      do {
        this.again = false;
        await this.drainOnce();
      } while (this.again);
    })()
      // A disk error after a PUBACK leaves the file behind: it is sent again later (at least once).
      .catch((error: unknown) => this.logger.warn('statistics outbox could not drain', { error }))
      .finally(() => (this.draining = null));
    return this.draining;
  }

  /** Waits for the disk work and the drain in progress. */
  async idle(): Promise<void> {
    await this.ops;
    await this.draining;
  }

  private async drainOnce(): Promise<void> {
    for (;;) {
      const sender = this.sender;
      const head = this.entries[0];
      if (!sender || !head || !sender.connected()) return;
      this.inflight = head.seq;
      try {
        await sender.publish(head.window);
      } catch (error) {
        this.logger.debug('statistics window not delivered; kept for later', { msgId: head.window.msgId, error });
        return;
      } finally {
        this.inflight = null;
      }
      // Acknowledged: only now may it leave the disk.
      await this.serial(async () => {
        const at = this.entries.findIndex((entry) => entry.seq === head.seq);
        if (at >= 0) this.entries.splice(at, 1);
        await this.unlink(head.seq);
      });
    }
  }

  /** Merges the two oldest windows of one version, else drops the oldest (counted on the newest). */
  private async shrink(): Promise<boolean> {
    const candidates = this.entries.filter((entry) => entry.seq !== this.inflight);
    for (let i = 0; i < candidates.length; i++) {
      const older = candidates[i] as Entry;
      // Same version, and shadow sections of the same candidate (or none): two candidates never blend.
      const newer = candidates.slice(i + 1).find((entry) => statsWindowsMergeable(older.window, entry.window));
      if (!newer) continue;
      const sum = mergeStatsWindows(older.window, newer.window);
      const merged: Entry = { seq: older.seq, window: { ...sum, merged: (sum.merged ?? 0) + 1 } };
      await this.write(merged, [newer.seq]);
      await this.unlink(newer.seq);
      this.entries.splice(this.entries.indexOf(older), 1, merged);
      this.entries.splice(this.entries.indexOf(newer), 1);
      return true;
    }
    // The newest window is the last one (merges keep the older position) and is not in flight.
    const oldest = candidates[0];
    const target = this.entries[this.entries.length - 1];
    if (!oldest || !target || oldest === target) return false;
    // Count first, then delete: a crash in between over-counts `lost` but never hides a loss.
    const dropped = 1 + (oldest.window.merged ?? 0) + (oldest.window.lost ?? 0);
    target.window = { ...target.window, lost: (target.window.lost ?? 0) + dropped };
    await this.write(target);
    await this.unlink(oldest.seq);
    this.entries.splice(this.entries.indexOf(oldest), 1);
    this.logger.warn('statistics outbox full: dropped the oldest window', { msgId: oldest.window.msgId, version: oldest.window.version });
    return true;
  }

  private write(entry: Entry, supersedes?: number[]): Promise<void> {
    return writeFileAtomic(join(this.dir, fileName(entry.seq)), JSON.stringify({ window: entry.window, ...(supersedes ? { supersedes } : {}) }));
  }

  private async unlink(seq: number): Promise<void> {
    await rm(join(this.dir, fileName(seq)), { force: true });
    await fsyncDir(this.dir);
  }

  /** Disk changes one at a time, in call order. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.ops.then(work);
    this.ops = run.catch(() => {});
    return run;
  }
}

const fileName = (seq: number): string => `${String(seq).padStart(12, '0')}.json`;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
