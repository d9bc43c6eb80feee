/**
 * The batch runner on real files with a model in JavaScript (y = a + 10 b per row): jobs run in
 * order and every row's result comes once, in order; a runner stopped mid-job (with result lines
 * past its checkpoint left in the output, as a kill leaves them) resumes from the checkpoint with
 * each row exactly once and counted once; a live request that arrives during a model run is
 * served before the next batch run; a version change fails the job; bad rows get error lines;
 * paths outside the batch directory are refused; the inbox makes jobs of files renamed in.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appendFile, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReleaseManifest } from '@edgefleet/protocol';
import type { TypedTensor } from '@edgefleet/device-core';
import type { ServingModel } from '../src/batch/execute';
import { startBatch, type Batch } from '../src/batch/start';
import { makeRelease } from '../../test/fixtures/signing';
import { SILENT_LOGGER } from './support/agent-options';

const release = (version: string): ReleaseManifest =>
  makeRelease({ model: 'lin', version, artifact: { sha256: version.repeat(64).slice(0, 64), size: 10, url: 'http://127.0.0.1:1/a' }, io: { inputs: [{ name: 'x', type: 'float32', shape: ['N', 2] }], outputs: [{ name: 'y', type: 'float32', shape: ['N', 1] }] } });

interface Fixture {
  dir: string;
  batchDir: string;
  log: string[];
  statsRows: number;
  serving: ServingModel | null;
  onRun?: (rows: number) => void;
  batch: Batch;
  start(): Promise<Batch>;
}

const dirs: string[] = [];
const open: Batch[] = [];
afterEach(async () => {
  for (const batch of open.splice(0)) await batch.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function model(manifest: ReleaseManifest, fixture: Pick<Fixture, 'log' | 'onRun'>): ServingModel {
  return {
    release: manifest,
    async runTyped(inputs: Readonly<Record<string, TypedTensor>>): Promise<Record<string, TypedTensor>> {
      const x = inputs.x as { dims: readonly number[]; data: Float32Array };
      const rows = x.dims[0] as number;
      fixture.log.push(`batch ${rows}`);
      fixture.onRun?.(rows);
      const y = new Float32Array(rows);
      for (let r = 0; r < rows; r++) y[r] = (x.data[2 * r] as number) + 10 * (x.data[2 * r + 1] as number);
      return { y: { type: 'float32', dims: [rows, 1], data: y } };
    },
  };
}

async function fixture(tuning = { checkpointRows: 100, checkpointMs: 0, runRows: 10, liveWaitMs: 60_000 }): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-batch-'));
  dirs.push(dir);
  const f = { dir, batchDir: join(dir, 'batch'), log: [] as string[], statsRows: 0, serving: null as ServingModel | null } as Fixture;
  f.serving = model(release('1'), f);
  f.start = async () => {
    f.batch = await startBatch({
      batchDir: f.batchDir,
      dataDir: dir,
      serving: () => f.serving,
      stats: { record: (_r, inputs) => void (f.statsRows += (inputs.x?.dims[0] as number) ?? 0), recordError: () => void (f.statsRows += 1) },
      logger: SILENT_LOGGER,
      tuning,
      now: () => new Date(),
    });
    open.push(f.batch);
    return f.batch;
  };
  await f.start();
  return f;
}

const csv = (rows: number): string => ['a,b', ...Array.from({ length: rows }, (_, i) => `${i},${i % 7}`)].join('\n') + '\n';
const expected = (row: number): number => row + 10 * (row % 7);

interface JobBody {
  job: { id: string; state: string; rowsDone: number; rowsFailed: number; rowsTotal: number | null; output: string; error: { code: string; message: string } | null };
}
const submit = async (batch: Batch, body: unknown): Promise<JobBody['job']> => {
  const reply = await batch.api.submit(body);
  if (reply.status !== 202) throw new Error(JSON.stringify(reply.body));
  return (reply.body as JobBody).job;
};
const finished = (batch: Batch, id: string): Promise<JobBody['job']> =>
  vi.waitFor(
    () => {
      const job = (batch.api.get(id).body as JobBody).job;
      if (!['succeeded', 'failed', 'cancelled'].includes(job.state)) throw new Error(`still ${job.state}`);
      return job;
    },
    { timeout: 20_000, interval: 5 },
  );
const results = async (path: string): Promise<Array<{ row: number; outputs?: { y: { data: number[] } }; error?: { code: string; message: string } }>> =>
  (await readFile(path, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as { row: number });

describe('batch runner', () => {
  it('runs a CSV job: one result line per row, in order, each counted once in the statistics', async () => {
    const f = await fixture();
    await writeFile(join(f.batchDir, 'rows.csv'), csv(1000));
    const job = await submit(f.batch, { input: 'rows.csv' });
    const done = await finished(f.batch, job.id);
    expect(done).toMatchObject({ state: 'succeeded', rowsDone: 1000, rowsFailed: 0, rowsTotal: 1000, output: join(f.batchDir, 'rows.csv.results.jsonl') });
    const lines = await results(done.output);
    expect(lines.map((line) => line.row)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(lines.every((line) => line.outputs?.y.data[0] === expected(line.row))).toBe(true);
    expect(f.statsRows).toBe(1000);
    expect(f.batch.summary()).toMatchObject({ queued: 0, running: null });
  });

  it('resumes after a stop mid-job from its checkpoint: lines past it are cut, every row once, counted once', async () => {
    const f = await fixture();
    await writeFile(join(f.batchDir, 'rows.csv'), csv(1000));
    let stopping: Promise<void> | null = null;
    f.onRun = () => {
      if (!stopping && f.log.length === 35) stopping = f.batch.close();
    };
    const job = await submit(f.batch, { input: 'rows.csv' });
    await vi.waitFor(() => expect(stopping).not.toBeNull(), { timeout: 20_000, interval: 5 });
    await stopping;
    const stopped = (f.batch.api.get(job.id).body as JobBody).job;
    expect(stopped).toMatchObject({ state: 'running', rowsDone: 300 });
    // What a kill between writing results and saving the checkpoint leaves: rows past it.
    await appendFile(stopped.output, '{"row":300,"outputs":{}}\n{"row":301,"outputs":{}}\n');
    const countedBefore = f.statsRows;
    expect(countedBefore).toBe(300);
    f.onRun = undefined;
    const restarted = await f.start();
    const done = await finished(restarted, job.id);
    expect(done).toMatchObject({ state: 'succeeded', rowsDone: 1000 });
    const lines = await results(done.output);
    expect(lines.map((line) => line.row)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(lines.every((line) => line.outputs?.y.data[0] === expected(line.row))).toBe(true);
    expect(f.statsRows).toBe(1000);
  });

  it('serves a live request that arrives during a model run before the next batch run', async () => {
    const f = await fixture({ checkpointRows: 100, checkpointMs: 0, runRows: 10, liveWaitMs: 60_000 });
    await writeFile(join(f.batchDir, 'rows.csv'), csv(40));
    f.onRun = () => {
      if (f.log.length !== 2) return;
      // A request arrives while the second run is on; it is answered a few turns later.
      const leave = f.batch.live.enter();
      setImmediate(() =>
        setImmediate(() => {
          f.log.push('live');
          leave();
        }),
      );
    };
    const job = await submit(f.batch, { input: 'rows.csv' });
    await finished(f.batch, job.id);
    expect(f.log).toEqual(['batch 10', 'batch 10', 'live', 'batch 10', 'batch 10']);
  });

  it('fails a job with E_VERSION_CHANGED when another version serves mid-job, keeping the rows checkpointed', async () => {
    const f = await fixture();
    await writeFile(join(f.batchDir, 'rows.csv'), csv(1000));
    f.onRun = () => {
      if (f.log.length === 25) f.serving = model(release('2'), f);
    };
    const job = await submit(f.batch, { input: 'rows.csv' });
    const done = await finished(f.batch, job.id);
    expect(done).toMatchObject({ state: 'failed', rowsDone: 200, error: { code: 'E_VERSION_CHANGED' } });
    expect(done.error?.message).toContain('from lin@1 to lin@2 after 200 rows');
    expect((await results(done.output)).map((line) => line.row)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('checkpoints no more often than checkpointMs: rows past the last checkpoint are what a failure leaves undone', async () => {
    // Same job and the same version change at run 25 (row 250), but checkpoints at most once a minute: none came.
    const f = await fixture({ checkpointRows: 100, checkpointMs: 60_000, runRows: 10, liveWaitMs: 60_000 });
    await writeFile(join(f.batchDir, 'rows.csv'), csv(1000));
    f.onRun = () => {
      if (f.log.length === 25) f.serving = model(release('2'), f);
    };
    const job = await submit(f.batch, { input: 'rows.csv' });
    const done = await finished(f.batch, job.id);
    expect(done).toMatchObject({ state: 'failed', rowsDone: 0, error: { code: 'E_VERSION_CHANGED' } });
    expect(await readFile(done.output, 'utf8')).toBe('');
    expect(f.statsRows).toBe(0);
  });

  it('writes an error line for a bad row and goes on; JSON Lines rows are POST /v1/predict bodies', async () => {
    const f = await fixture();
    const body = (a: number, b: number) => JSON.stringify({ inputs: { x: { dims: [1, 2], data: [a, b] } } });
    await writeFile(join(f.batchDir, 'rows.jsonl'), [body(1, 2), '{"inputs":', body(3, 4), JSON.stringify({ inputs: { x: { dims: [1, 3], data: [1, 2, 3] } } }), ''].join('\n'));
    const job = await submit(f.batch, { input: join(f.batchDir, 'rows.jsonl') });
    const done = await finished(f.batch, job.id);
    expect(done).toMatchObject({ state: 'succeeded', rowsDone: 4, rowsFailed: 2 });
    const lines = await results(done.output);
    expect(lines.map((line) => line.outputs?.y.data[0] ?? line.error?.code)).toEqual([21, 'E_BAD_JSON', 43, 'E_SCHEMA']);
    expect(lines[3]?.error?.message).toContain('inputs.x.dims');
  });

  it('refuses inputs and outputs outside the batch directory, through symlinks too, naming the field', async () => {
    const f = await fixture();
    await writeFile(join(f.dir, 'secret.csv'), csv(1));
    await symlink(join(f.dir, 'secret.csv'), join(f.batchDir, 'link.csv'));
    await writeFile(join(f.batchDir, 'rows.csv'), csv(1));
    for (const [body, field] of [
      [{ input: '../secret.csv' }, 'input'],
      [{ input: 'link.csv' }, 'input'],
      [{ input: join(f.dir, 'secret.csv') }, 'input'],
      [{ input: 'rows.csv', output: '../out.jsonl' }, 'output'],
      [{ input: 'missing.csv' }, 'input'],
      [{ input: 'rows.csv', format: 'xlsx' }, 'format'],
      [{ input: 'rows.csv', extra: 1 }, '(root)'],
    ] as const) {
      const reply = await f.batch.api.submit(body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect((reply.body as { error: { message: string } }).error.message, JSON.stringify(body)).toMatch(new RegExp(`^${field.replace(/[()]/g, '\\$&')}`));
    }
  });

  it('cancels a queued job at once and a running one at its next model run', async () => {
    const f = await fixture();
    await writeFile(join(f.batchDir, 'a.csv'), csv(1000));
    await writeFile(join(f.batchDir, 'b.csv'), csv(10));
    let cancelling: Promise<unknown> | null = null;
    let first = '';
    f.onRun = () => {
      if (f.log.length === 3) cancelling = f.batch.api.cancel(first);
    };
    first = (await submit(f.batch, { input: 'a.csv' })).id;
    const second = await submit(f.batch, { input: 'b.csv' });
    expect((await f.batch.api.cancel(second.id)).body).toMatchObject({ job: { state: 'cancelled' } });
    await vi.waitFor(() => expect(cancelling).not.toBeNull(), { timeout: 20_000, interval: 5 });
    expect(await cancelling).toMatchObject({ status: 200, body: { job: { state: 'cancelled' } } });
    expect((await f.batch.api.cancel(first)).status).toBe(409);
    expect(f.batch.api.get('nope').status).toBe(404);
  });

  it('makes a job of a file renamed into the inbox, once, and ignores partial and hidden files', async () => {
    const f = await fixture();
    const inbox = join(f.batchDir, 'inbox');
    await writeFile(join(inbox, 'rows.csv.partial'), csv(5));
    await writeFile(join(inbox, '.hidden.csv'), csv(5));
    await mkdir(join(f.dir, 'staging'));
    await writeFile(join(f.dir, 'staging', 'rows.csv'), csv(20));
    await rename(join(f.dir, 'staging', 'rows.csv'), join(inbox, 'rows.csv'));
    const job = await vi.waitFor(
      () => {
        const jobs = (f.batch.api.list().body as { jobs: Array<JobBody['job'] & { origin: string; input: string }> }).jobs;
        if (jobs.length === 0) throw new Error('no job yet');
        return jobs;
      },
      { timeout: 20_000, interval: 5 },
    );
    expect(job.map((j) => [j.origin, j.input])).toEqual([['inbox', join(inbox, 'rows.csv')]]);
    const done = await finished(f.batch, job[0]?.id ?? '');
    expect(done).toMatchObject({ state: 'succeeded', rowsDone: 20, output: join(inbox, 'rows.csv.results.jsonl') });
    expect((f.batch.api.list().body as { jobs: unknown[] }).jobs).toHaveLength(1);
  });
});
