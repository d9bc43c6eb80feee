/**
 * Device messages are applied in batches, each one SQLite transaction (PERF "The hub at fleet
 * scale": a transaction per message capped the hub at a few hundred statistics windows a second,
 * and a reconnect storm's presence writes stalled its event loop). A message's promise settles
 * only once its batch committed, and both broker adapters hold the QoS 1 PUBACK until then
 * (embedded.ts from aedes' authorizePublish, external.ts by writing it itself), so nothing is
 * lost on a crash: the device's outbox sends again what was not acknowledged (msgIds, event ids
 * and report seqs make a second copy harmless).
 *
 * Batches are cut by core/batch-queue.ts: at `maxBatch` messages, when a whole turn of the event
 * loop brings nothing new, or `maxDelayMs` after the first. A batch's statistics windows are
 * decoded in worker threads (stats-decoder.ts: the protocol's decode and schema checks were two
 * thirds of a window's cost) while the main thread goes on receiving; batches are still applied
 * strictly in arrival order, each in an event-loop turn of its own. Bounds: the queue never holds
 * more than `maxBatch` (the push that fills it hands the batch over at once), at most
 * `maxInFlight` messages wait for the workers (past that a batch is decoded on the main thread,
 * which slows intake down), and the brokers bound what is in flight anyway (aedes reads no more
 * of a device's connection until the messages of its last read are acknowledged; an external
 * broker sends no more than its in-flight window).
 *
 * A batch whose transaction fails is applied again one message at a time, so one bad message
 * cannot hold the others back; a message that fails alone rejects its promise, which the broker
 * adapters log and never acknowledge (the device, or the external broker, sends it again).
 */
import { parseDeviceTopic } from '@edgefleet/protocol';
import type { BrokerMessage } from '../adapters/broker/broker';
import { BatchQueue, nodeTimers, type BatchTimers } from '../core/batch-queue';
import type { HubContext } from './context';
import { applyIngestBatch, type IngestItem } from './ingest';
import { workerStatsDecoder, type StatsDecoder } from './stats-decoder';

export interface IngestBatcherOptions {
  /** default 128 (a batch of 128 windows takes the main thread some 20-40 ms) */
  maxBatch?: number;
  /** default 5 ms */
  maxDelayMs?: number;
  /** statistics windows in a batch from which the worker decodes them; default 1 (0: never, all on the main thread) */
  workerMinWindows?: number;
  /** messages waiting for the worker at most (past that, decoded on the main thread); default 8,192 */
  maxInFlight?: number;
  timers?: BatchTimers;
  /** default: a worker thread (stats-decoder.ts) */
  decoder?: StatsDecoder;
}

export const INGEST_BATCH_DEFAULTS = { maxBatch: 128, maxDelayMs: 5, workerMinWindows: 1, maxInFlight: 8_192 } as const;

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
  /** Applies what is queued, takes nothing more, stops the decode workers. Idempotent. */
  close(): Promise<void>;
}

interface Pending {
  item: IngestItem;
  resolve?: () => void;
  reject?: (error: unknown) => void;
}

const NEVER = new Promise<void>(() => undefined);

const isStats = (pending: Pending): pending is Pending & { item: { kind: 'message'; message: BrokerMessage } } =>
  pending.item.kind === 'message' && parseDeviceTopic(pending.item.message.topic)?.kind === 'stats';

export function createIngestBatcher(ctx: HubContext, options: IngestBatcherOptions = {}): IngestBatcher {
  const workerMinWindows = options.workerMinWindows ?? INGEST_BATCH_DEFAULTS.workerMinWindows;
  const maxInFlight = options.maxInFlight ?? INGEST_BATCH_DEFAULTS.maxInFlight;
  const decoder = options.decoder ?? (workerMinWindows > 0 ? workerStatsDecoder(ctx.logger) : null);
  const timers = options.timers ?? nodeTimers;
  const nextTurn = (): Promise<void> => new Promise((resolve) => void timers.setImmediate(resolve));
  /** batches handed over and not applied yet, chained in order */
  let tail: Promise<void> = Promise.resolve();
  let inFlight = 0;

  const fail = (pending: Pending | undefined, error: unknown): void => {
    if (!pending) return;
    if (pending.reject) pending.reject(error);
    else ctx.logger.error('could not record device presence', { device: pending.item.kind === 'presence' ? pending.item.deviceId : null, error: String(error) });
  };
  const apply = (batch: readonly Pending[]): void => {
    try {
      applyIngestBatch(ctx, batch.map((pending) => pending.item));
    } catch (error) {
      if (batch.length === 1) return fail(batch[0], error);
      ctx.logger.warn('ingestion batch failed; applying its messages one at a time', { size: batch.length, error: String(error) });
      for (const pending of batch) {
        try {
          applyIngestBatch(ctx, [pending.item]);
          pending.resolve?.();
        } catch (alone) {
          fail(pending, alone);
        }
      }
      return;
    }
    for (const pending of batch) pending.resolve?.();
  };
  const later = (batch: readonly Pending[], before: Promise<unknown>): void => {
    inFlight += batch.length;
    tail = tail
      .then(() => before)
      // Each batch in a turn of its own: batches decoded meanwhile must not run back to back in one
      // microtask queue, holding off I/O (HTTP, connections) for all of them.
      .then(nextTurn)
      .then(() => {
        inFlight -= batch.length;
        apply(batch);
      });
  };
  const handle = (batch: Pending[]): void => {
    const stats = workerMinWindows > 0 && inFlight + batch.length <= maxInFlight ? batch.filter(isStats) : [];
    const decoding = decoder && stats.length >= workerMinWindows ? decoder.decode(stats.map((pending) => pending.item.message.payload)) : null;
    if (decoding) {
      const decoded = decoding.then(
        (results) => {
          for (const [i, pending] of stats.entries()) pending.item.decoded = results[i];
        },
        () => undefined,
      );
      later(batch, decoded);
    } else if (inFlight === 0) {
      // Nothing ahead of it: applied now, inside the push or timer that cut it.
      apply(batch);
    } else {
      later(batch, Promise.resolve());
    }
  };
  const queue = new BatchQueue<Pending>({
    maxBatch: options.maxBatch ?? INGEST_BATCH_DEFAULTS.maxBatch,
    maxDelayMs: options.maxDelayMs ?? INGEST_BATCH_DEFAULTS.maxDelayMs,
    handle,
    timers,
  });
  let closed: Promise<void> | null = null;
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
      return tail;
    },
    close() {
      closed ??= (async () => {
        queue.close();
        await tail;
        await decoder?.close();
      })();
      return closed;
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
