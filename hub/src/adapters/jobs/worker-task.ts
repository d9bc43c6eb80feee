/**
 * Long CPU work (training, calibration) runs in a worker thread so the hub's event loop keeps
 * serving HTTP and MQTT. One message protocol both ways; cancellation terminates the thread,
 * which stops it even in the middle of an epoch.
 */
import { Worker } from 'node:worker_threads';

export type LogLevel = 'info' | 'warn' | 'error';

export type WorkerMessage<P, R> =
  | { type: 'progress'; progress: P }
  | { type: 'log'; level: LogLevel; message: string }
  | { type: 'result'; result: R }
  | { type: 'error'; code: string; message: string };

export class WorkerTaskError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'WorkerTaskError';
  }
}

export interface WorkerTask<R> {
  result: Promise<R>;
  /** stops the thread; `result` rejects with code E_CANCELLED */
  cancel(reason?: string): void;
}

export interface WorkerHandlers<P> {
  onProgress?(progress: P): void;
  onLog?(level: LogLevel, message: string): void;
  /** caps the thread's heap: past it the thread is stopped and `result` rejects with E_OUT_OF_MEMORY */
  resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number };
}

const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);

/** Starts `entry` (a module that calls `serveWorkerTask`) with `input`. */
export function startWorkerTask<I, P, R>(entry: URL, input: I, handlers: WorkerHandlers<P> = {}): WorkerTask<R> {
  const worker = new Worker(BOOTSTRAP, { workerData: { entry: entry.href, input }, ...(handlers.resourceLimits ? { resourceLimits: handlers.resourceLimits } : {}) });
  let cancelled: string | null = null;
  const result = new Promise<R>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    worker.on('message', (message: WorkerMessage<P, R>) => {
      switch (message.type) {
        case 'progress':
          handlers.onProgress?.(message.progress);
          break;
        case 'log':
          handlers.onLog?.(message.level, message.message);
          break;
        case 'result':
          settle(() => resolve(message.result));
          void worker.terminate();
          break;
        case 'error':
          settle(() => reject(new WorkerTaskError(message.code, message.message)));
          void worker.terminate();
          break;
      }
    });
    worker.on('error', (error: Error & { code?: string }) =>
      settle(() => reject(new WorkerTaskError(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'E_OUT_OF_MEMORY' : 'E_WORKER', error.message))),
    );
    worker.on('exit', (code) => {
      if (cancelled !== null) settle(() => reject(new WorkerTaskError('E_CANCELLED', cancelled ?? 'cancelled')));
      else settle(() => reject(new WorkerTaskError('E_WORKER', `worker exited with code ${code} before returning a result`)));
    });
  });
  return {
    result,
    cancel(reason = 'cancelled') {
      cancelled = reason;
      void worker.terminate();
    },
  };
}
