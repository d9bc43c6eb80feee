/**
 * Device messages are applied in batches, each one database transaction (PERF "The hub at fleet
 * scale": a transaction per message capped the hub at a few hundred statistics windows a second,
 * and a reconnect storm's presence writes stalled its event loop). A message's promise settles
 * only once its batch committed, and both broker adapters hold the QoS 1 PUBACK until then
 * (embedded.ts from aedes' authorizePublish, external.ts by writing it itself), so nothing is
 * lost on a crash: the device's outbox sends again what was not acknowledged (msgIds, event ids
 * and report seqs make a second copy harmless).
 *
 * Batches are cut by core/batch-queue.ts: at `maxBatch` messages, when a whole turn of the event
 * loop brings nothing new, or `maxDelayMs` after the first, and applied one after another in
 * arrival order (never two at once: a batch reads what the one before it wrote): the first at
 * once, inside the push or timer that cut it, the next as soon as the one before committed, until
 * a turn of the event loop has spent TURN_BUDGET_MS on them; the rest wait for the turns that
 * follow, each turn applying them up to the same budget before the sockets are polled again. One
 * poll of the sockets can bring thousands of windows (400 devices with 8 in flight each):
 * applying them all in that turn held off HTTP and new connections for half a second, and a turn
 * of its own for every batch cost a quarter more main-thread time per window. (On SQLite a
 * batch's queries run synchronously under their promises, so the budget is main-thread time; on
 * PostgreSQL the loop is free while a batch waits for the server, and the budget only spaces the
 * batches out.) Statistics windows are decoded on this thread: the protocol reads a packed window by
 * hand in some 20 us (stats-fast-unpack.ts), less than handing it to a worker thread and parsing
 * its answer cost (a worker pool did this while the schemas took 140 us a window). The queue
 * never holds more than `maxBatch` (the push that fills it hands the batch over), and the brokers
 * bound what is in flight (aedes reads no more of a device's connection until the messages of its
 * last read are acknowledged; an external broker sends no more than its in-flight window).
 *
 * A batch whose transaction fails is applied again one message at a time, so one bad message
 * cannot hold the others back; a message that fails alone rejects its promise, which the broker
 * adapters log and never acknowledge (the device, or the external broker, sends it again).
 */
import type { BrokerMessage } from '../../adapters/broker/broker';
import { BatchQueue, nodeTimers, type BatchTimers } from '../../core/batch-queue';
import type { HubContext } from '../context';
import { applyIngestBatch, type IngestDeps, type IngestItem } from './ingest';

export interface IngestBatcherOptions {
  /** default 128 (a batch of 128 windows takes the main thread some 10-20 ms) */
  maxBatch?: number;
  /** default 5 ms */
  maxDelayMs?: number;
  timers?: BatchTimers;
  /** milliseconds, for the turn budget; default performance.now */
  clock?: () => number;
}

export const INGEST_BATCH_DEFAULTS = { maxBatch: 128, maxDelayMs: 5 } as const;

/** Work applied inline in one event-loop turn before further batches wait for turns of their own. */
const TURN_BUDGET_MS = 20;

export interface IngestBatcher {
  /**
   * Queues a message from the broker; resolves once its batch committed (stored, or refused and
   * counted), rejects when it could not be applied. Once closed, the promise never settles: the
   * message is not acknowledged, and the device sends it again after reconnecting.
   */
  ingest(message: BrokerMessage): Promise<void>;
  /** Queues a device's connection opening or closing (nothing waits for it). */
  presence(deviceId: string, online: boolean): void;
  /** Hands over what is queued now; resolves once everything handed over is applied. */
  flush(): Promise<void>;
  /** Applies what is queued and takes nothing more. Idempotent. */
  close(): Promise<void>;
}

interface Pending {
  item: IngestItem;
  resolve?: () => void;
  reject?: (error: unknown) => void;
}

const NEVER = new Promise<void>(() => undefined);

export function createIngestBatcher(ctx: IngestDeps, options: IngestBatcherOptions = {}): IngestBatcher {
  const fail = (pending: Pending | undefined, error: unknown): void => {
    if (!pending) return;
    if (pending.reject) pending.reject(error);
    else ctx.logger.error('could not record device presence', { device: pending.item.kind === 'presence' ? pending.item.deviceId : null, error: String(error) });
  };
  /** Never rejects: every message of the batch is settled (or logged) here. */
  const apply = async (batch: readonly Pending[]): Promise<void> => {
    try {
      await applyIngestBatch(ctx, batch.map((pending) => pending.item));
    } catch (error) {
      if (batch.length === 1) return fail(batch[0], error);
      ctx.logger.warn('ingestion batch failed; applying its messages one at a time', { size: batch.length, error: String(error) });
      for (const pending of batch) {
        try {
          await applyIngestBatch(ctx, [pending.item]);
          pending.resolve?.();
        } catch (alone) {
          fail(pending, alone);
        }
      }
      return;
    }
    for (const pending of batch) pending.resolve?.();
  };
  const timers = options.timers ?? nodeTimers;
  const clock = options.clock ?? (() => performance.now());
  /** batches cut and not applied yet, oldest first */
  const waiting: Array<readonly Pending[]> = [];
  /** whether the loop applying `waiting` runs (it alone applies batches, so they never overlap) */
  let draining = false;
  /** flush and close callers waiting for everything handed over to be applied */
  let idle: Array<() => void> = [];
  /** milliseconds spent applying batches in this event-loop turn */
  let spent = 0;
  let turnEnds = false;
  let turnWaiter: (() => void) | null = null;
  // A new turn: its budget goes to the batches that waited.
  const nextTurn = (): void => {
    turnEnds = false;
    spent = 0;
    const wake = turnWaiter;
    turnWaiter = null;
    wake?.();
  };
  const endTurnSoon = (): void => {
    if (turnEnds) return;
    turnEnds = true;
    timers.setImmediate(nextTurn);
  };
  const newTurn = (): Promise<void> =>
    new Promise((resolve) => {
      turnWaiter = resolve;
      endTurnSoon();
    });
  const drain = async (): Promise<void> => {
    draining = true;
    try {
      while (waiting.length > 0) {
        if (spent >= TURN_BUDGET_MS) await newTurn();
        const batch = waiting.shift() as readonly Pending[];
        const started = clock();
        await apply(batch);
        spent += clock() - started;
        endTurnSoon();
      }
    } catch (error) {
      // apply settles its messages itself; this is a bug, and what waits is left for the next push.
      ctx.logger.error('ingestion loop failed', { error: String(error) });
    } finally {
      draining = false;
      const settled = idle;
      idle = [];
      for (const settle of settled) settle();
    }
  };
  const handle = (batch: readonly Pending[]): void => {
    waiting.push(batch);
    if (!draining) void drain();
  };
  const applied = (): Promise<void> => (!draining && waiting.length === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve)));
  const queue = new BatchQueue<Pending>({
    maxBatch: options.maxBatch ?? INGEST_BATCH_DEFAULTS.maxBatch,
    maxDelayMs: options.maxDelayMs ?? INGEST_BATCH_DEFAULTS.maxDelayMs,
    handle,
    timers,
  });
  return {
    ingest(message) {
      if (queue.isClosed) return NEVER;
      return new Promise<void>((resolve, reject) => {
        queue.push({ item: { kind: 'message', message }, resolve, reject });
      });
    },
    presence(deviceId, online) {
      queue.push({ item: { kind: 'presence', deviceId, online, source: 'connection' } });
    },
    flush() {
      queue.flush();
      return applied();
    },
    close() {
      queue.close();
      return applied();
    },
  };
}

const batchers = new WeakMap<HubContext, IngestBatcher>();

/** The hub's batcher for `ctx`, made on first use (the broker's connection callbacks and its subscriptions share it). */
export function ingestBatcher(ctx: HubContext, options?: IngestBatcherOptions): IngestBatcher {
  let batcher = batchers.get(ctx);
  if (!batcher) batchers.set(ctx, (batcher = createIngestBatcher(ctx, options)));
  return batcher;
}
