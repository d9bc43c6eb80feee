/** The worker side of `startWorkerTask`: run `task` on the input, report progress and logs, return the result. */
import { parentPort, workerData } from 'node:worker_threads';
import type { LogLevel, WorkerMessage } from './worker-task';

export interface WorkerContext<P> {
  progress(progress: P): void;
  log(level: LogLevel, message: string): void;
}

export function serveWorkerTask<I, P, R>(task: (input: I, ctx: WorkerContext<P>) => Promise<R> | R): void {
  const port = parentPort;
  if (!port) throw new Error('serveWorkerTask must run inside a worker thread');
  const send = (message: WorkerMessage<P, R>) => port.postMessage(message);
  const input = (workerData as { input: I }).input;
  Promise.resolve()
    .then(() => task(input, { progress: (progress) => send({ type: 'progress', progress }), log: (level, message) => send({ type: 'log', level, message }) }))
    .then(
      (result) => send({ type: 'result', result }),
      (error: unknown) => {
        const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'E_TASK_FAILED';
        send({ type: 'error', code, message: error instanceof Error ? error.message : String(error) });
      },
    );
}
