/**
 * Dataset worker threads, bounded: one parses at a time per hub process (a parse is CPU-bound and
 * the hub has other work on few cores), four more wait, and a sixth is refused with 503 and
 * Retry-After. Each thread's heap is capped, so a file that would need more is refused with 413
 * instead of taking the process's memory (parsed numbers live outside the heap, bounded by the
 * cell limit: 8 bytes a cell, 200 MB at most).
 */
import { WorkSlots } from '../../core/datasets/work-slots';
import { HubError } from '../../core/errors';
import { startWorkerTask, WorkerTaskError } from '../../adapters/jobs/worker-task';
import type { InspectInput, InspectResult } from './datasets-inspect';

const DATASET_WORKER = new URL('../../workers/dataset-worker.ts', import.meta.url);

export const DATASET_WORKER_LIMITS = {
  concurrency: 1,
  maxWaiting: 4,
  /** V8 old-generation heap of one dataset worker thread */
  heapMb: 512,
  /** what a refused upload is told to wait: about one large parse */
  retryAfterS: 30,
} as const;

/** This process's slots (exported for tests that fill them). */
export const datasetWorkerSlots = new WorkSlots(DATASET_WORKER_LIMITS.concurrency, DATASET_WORKER_LIMITS.maxWaiting);
const slots = datasetWorkerSlots;

/** How busy the dataset workers of this process are. */
export const datasetWorkerState = (): { running: number; waiting: number } => slots.state();

/** One inspection in a worker thread with at most `heapMb` of heap; no queueing (tests and `inspectInWorker`). */
export async function runDatasetWorker(input: InspectInput, heapMb: number = DATASET_WORKER_LIMITS.heapMb): Promise<InspectResult> {
  try {
    return await startWorkerTask<InspectInput, never, InspectResult>(DATASET_WORKER, input, { resourceLimits: { maxOldGenerationSizeMb: heapMb } }).result;
  } catch (error) {
    if (error instanceof WorkerTaskError && error.code === 'E_OUT_OF_MEMORY') {
      throw new HubError('E_TOO_LARGE', `the dataset needs more than the dataset worker's ${heapMb} MiB of memory to parse and explore; split it or drop columns`, { cause: error, details: { limitMb: heapMb } });
    }
    throw error;
  }
}

function busy(): HubError {
  const { running, waiting } = datasetWorkerState();
  return new HubError('E_UNAVAILABLE', `the hub is parsing ${running} large dataset(s) with ${waiting} waiting; retry in ${DATASET_WORKER_LIMITS.retryAfterS} s`, { details: { retryAfterS: DATASET_WORKER_LIMITS.retryAfterS, running, waiting } });
}

/**
 * 503 now when a large file's parse would be refused: before its upload (up to 64 MiB) is read,
 * hashed and written. A slot may still be taken by the time the file is in; then inspectInWorker refuses.
 */
export function refuseWhenWorkersFull(): void {
  const { running, waiting } = datasetWorkerState();
  if (running >= slots.concurrency && waiting >= slots.maxWaiting) throw busy();
}

/** Waits for a worker slot, or is refused at once (503, Retry-After) when the queue is full. */
export function inspectInWorker(input: InspectInput): Promise<InspectResult> {
  const run = slots.tryRun(() => runDatasetWorker(input));
  if (run === null) throw busy();
  return run;
}
