import { describe, expect, it } from 'vitest';
import { startWorkerTask, WorkerTaskError } from '../../../src/adapters/jobs/worker-task';

const entry = new URL('../../fixtures/count-worker.ts', import.meta.url);

describe('worker tasks', () => {
  it('runs TypeScript in a worker thread with progress, logs and a result', async () => {
    const progress: number[] = [];
    const logs: string[] = [];
    const task = startWorkerTask<{ to: number }, number, { total: number }>(entry, { to: 5 }, { onProgress: (p) => progress.push(p), onLog: (_, m) => logs.push(m) });
    expect(await task.result).toEqual({ total: 15 });
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    expect(logs).toEqual(['counted to 5']);
  });

  it('passes a typed failure back', async () => {
    const task = startWorkerTask(entry, { to: 1, fail: true });
    await expect(task.result).rejects.toMatchObject({ code: 'E_ASKED', message: 'asked to fail' });
  });

  it('cancels a task that would never finish', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const task = startWorkerTask<{ to: number; hang: boolean }, number, unknown>(entry, { to: 3, hang: true }, { onLog: () => started() });
    await running;
    task.cancel('user asked');
    const error = await task.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerTaskError);
    expect(error).toMatchObject({ code: 'E_CANCELLED', message: 'user asked' });
  });
});
