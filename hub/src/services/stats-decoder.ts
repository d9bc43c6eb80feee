/**
 * Statistics windows decoded in worker threads (workers/stats-decode-worker.ts): a worker runs
 * protocol decodeStatsWindow (every check of the wire format, 70-80% of it zod), the main thread
 * only parses the canonical JSON it sends back (a tenth of the cost). Workers start on first use
 * and are unreferenced (they never keep the process alive); until one is up, or if all failed,
 * `decode` answers null and the caller decodes on its own thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ProtocolError, isErrorCode, type StatsWindow } from '@edgefleet/protocol';
import type { Logger } from '../adapters/logger';

export interface DecodeRequest {
  id: number;
  payloads: Uint8Array[];
}

/** a valid window as canonical JSON, a refusal, or "decode it yourself" (anything unexpected) */
export type DecodedPayload = { json: string } | { code: string; message: string } | { retry: true };

export interface DecodeReply {
  /** 0: the worker is listening */
  id: number;
  results: DecodedPayload[];
}

/** undefined: decode on the caller's thread */
export type DecodedStats = { window: StatsWindow } | { error: ProtocolError } | undefined;

export interface StatsDecoder {
  /** null when no worker is available (yet): decode on this thread */
  decode(payloads: readonly Uint8Array[]): Promise<DecodedStats[]> | null;
  close(): Promise<void>;
}

const BOOTSTRAP = new URL('../adapters/jobs/worker-bootstrap.mjs', import.meta.url);
const ENTRY = new URL('../workers/stats-decode-worker.ts', import.meta.url);

function fromReply(result: DecodedPayload | undefined): DecodedStats {
  if (!result || 'retry' in result) return undefined;
  // The worker validated it with the protocol schema; JSON carries it unchanged.
  if ('json' in result) return { window: JSON.parse(result.json) as StatsWindow };
  return isErrorCode(result.code) ? { error: new ProtocolError(result.code, result.message) } : undefined;
}

interface DecodeWorker {
  decode(request: DecodeRequest): Promise<DecodedStats[] | null>;
  ready(): boolean;
  close(): Promise<void>;
}

function startDecodeWorker(logger: Logger): DecodeWorker {
  let state: 'starting' | 'ready' | 'failed' | 'closed' = 'starting';
  const waiting = new Map<number, (results: DecodedStats[] | null) => void>();
  const failAll = (): void => {
    for (const settle of waiting.values()) settle(null);
    waiting.clear();
  };
  const worker = new Worker(BOOTSTRAP, { workerData: { entry: ENTRY.href } });
  worker.unref();
  worker.on('message', (reply: DecodeReply) => {
    if (reply.id === 0) {
      if (state === 'starting') state = 'ready';
      return;
    }
    const settle = waiting.get(reply.id);
    waiting.delete(reply.id);
    settle?.(reply.results.map(fromReply));
  });
  worker.on('error', (error) => {
    if (state !== 'closed') logger.error('stats decode worker failed; decoding on the main thread', { error: String(error) });
    if (state !== 'closed') state = 'failed';
    failAll();
  });
  worker.on('exit', () => {
    if (state !== 'closed') state = 'failed';
    failAll();
  });
  return {
    decode: (request) =>
      new Promise<DecodedStats[] | null>((resolve) => {
        waiting.set(request.id, resolve);
        worker.postMessage(request);
      }),
    ready: () => state === 'ready',
    async close() {
      state = 'closed';
      failAll();
      await worker.terminate();
    },
  };
}

/** One worker per core the main thread leaves free, at most 4; started on first use. */
export function workerStatsDecoder(logger: Logger, options: { workers?: number } = {}): StatsDecoder {
  const size = options.workers ?? Math.max(1, Math.min(4, availableParallelism() - 1));
  let workers: DecodeWorker[] | null = null;
  let closed = false;
  let nextId = 1;
  let turn = 0;
  return {
    decode(payloads) {
      if (closed) return null;
      workers ??= Array.from({ length: size }, () => startDecodeWorker(logger));
      // Round robin over the workers that are up; none yet (or all failed): this thread decodes.
      for (let tried = 0; tried < workers.length; tried++) {
        const worker = workers[turn++ % workers.length];
        if (!worker?.ready()) continue;
        return worker.decode({ id: nextId++, payloads: [...payloads] }).then((results) => results ?? payloads.map(() => undefined));
      }
      return null;
    },
    async close() {
      closed = true;
      await Promise.all((workers ?? []).map((worker) => worker.close()));
    },
  };
}
