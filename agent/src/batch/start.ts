/**
 * Batch jobs on the device, put together: the batch directory and its inbox (created when
 * missing), the queue on disk, the runner and the inbox watcher, and the local API's routes.
 */
import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchSummary } from '../core/batch/job';
import type { AgentLogger } from '../logger';
import { batchApi, type BatchApi } from './api';
import type { BatchTuning, ExecuteDeps, ServingModel } from './execute';
import { watchInbox } from './inbox';
import { BatchJobStore } from './job-store';
import { LiveLoad } from './live-load';
import { BatchRunner } from './runner';

export interface BatchOptions {
  batchDir: string;
  dataDir: string;
  serving(): ServingModel | null;
  stats: ExecuteDeps['stats'];
  logger: AgentLogger;
  tuning: BatchTuning;
  now(): Date;
}

export interface Batch {
  api: BatchApi;
  live: LiveLoad;
  summary(): BatchSummary;
  /** the serving model changed: a waiting job may start, a running one checks its version */
  servingChanged(): void;
  close(): Promise<void>;
}

export async function startBatch(options: BatchOptions): Promise<Batch> {
  await mkdir(join(options.batchDir, 'inbox'), { recursive: true });
  const batchDir = await realpath(options.batchDir);
  const live = new LiveLoad();
  const runner = await BatchRunner.open({
    batchDir,
    store: new BatchJobStore(join(options.dataDir, 'batch-jobs'), options.logger),
    serving: options.serving,
    stats: options.stats,
    live,
    logger: options.logger,
    tuning: options.tuning,
    now: options.now,
  });
  runner.start();
  const inbox = watchInbox(join(batchDir, 'inbox'), runner, options.logger);
  return {
    api: batchApi(runner),
    live,
    summary: () => runner.summary(),
    servingChanged: () => runner.wake(),
    close: async () => {
      inbox.close();
      await runner.close();
    },
  };
}
