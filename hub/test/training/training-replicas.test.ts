/**
 * ISSUE 12: training spread over hub replicas. Two training runners, each with its own database
 * handle on one real PostgreSQL 15 and its own replica id (as two hub replicas are), sharing the
 * data dir's datasets and artifacts: a 4-trial grid search runs trials on both replicas, and the
 * run finishes once, with the best trial's params and one registered version. Then a replica
 * that dies holding a run: the other leaves it alone while the dead one's lease lasts, and
 * resumes it, alone, once the lease ran out (the clock is moved, nothing sleeps); and a replica
 * restarted under the same id after a crash takes its run back at once.
 */
import { sql } from 'drizzle-orm';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArtifactStore } from '../../src/adapters/artifacts';
import { openDatabase, type OpenedDb } from '../../src/adapters/db/open';
import { datasets } from '../../src/adapters/db/schema';
import { claimRun, getRun, listLogs, updateHeldRun } from '../../src/adapters/db/training-runs';
import { TrustChain, type HubKeys } from '../../src/services/trust/trust-chain';
import { KeyedLock } from '../../src/core/keyed-lock';
import { createTrainingRunner, type TrainingDeps, type TrainingRunner } from '../../src/services/training/training-runner';
import { trainingRequestSchema } from '../../src/services/training/training-request';
import { createRun, runDetail } from '../../src/services/training/training-runs';
import { makeTempDir, silentLogger, type TempDir } from '../support';
import { startPostgres, type PostgresServer } from '../../../test/support/postgres';
import { syntheticCsv } from './synthetic';

interface Replica {
  id: string;
  opened: OpenedDb;
  deps: TrainingDeps & { training: TrainingRunner };
}

describe('training runs spread over two replicas sharing one PostgreSQL', () => {
  let server: PostgresServer;
  let dir: TempDir;
  let keys: HubKeys;
  let dataset = '';
  const replicas: Replica[] = [];

  /** A replica: its own connection pool and runner; the data dir (datasets, artifacts, keys) is shared, as replicas share a volume. */
  async function replica(id: string, now: () => Date = () => new Date()): Promise<Replica> {
    const opened = await openDatabase({ url: server.url });
    const training = createTrainingRunner({ replicaId: id, pollIntervalMs: 50, flushIntervalMs: 100 });
    const deps = {
      db: opened.db,
      now,
      logger: silentLogger,
      codeVersion: 'test',
      datasets: await createArtifactStore(dir.path, 'datasets'),
      artifacts: await createArtifactStore(dir.path),
      probes: await createArtifactStore(dir.path, 'probes'),
      keys,
      urls: { publicUrl: 'http://hub.test:8080', mqttUrl: 'mqtt://hub.test:1883', wsUrl: 'ws://hub.test:8080/mqtt' },
      locks: { devices: new KeyedLock(), models: new KeyedLock(), rollouts: new KeyedLock() },
      training,
    };
    const made = { id, opened, deps };
    replicas.push(made);
    return made;
  }

  const finished = async (r: Replica, id: string): Promise<string | undefined> => {
    await expect.poll(async () => (await getRun(r.deps.db, id))?.status, { timeout: 90_000, interval: 100 }).toMatch(/^(succeeded|failed|cancelled)$/);
    return (await getRun(r.deps.db, id))?.status;
  };
  const messages = async (r: Replica, id: string): Promise<string[]> => (await listLogs(r.deps.db, id)).map((l) => l.message);

  beforeAll(async () => {
    server = await startPostgres();
    dir = await makeTempDir();
    await mkdir(join(dir.path, 'keys'), { recursive: true, mode: 0o700 });
    keys = await TrustChain.open(dir.path, new Date(), silentLogger);
    const setup = await replica('setup');
    const bytes = syntheticCsv(600);
    dataset = (await setup.deps.datasets.put(bytes)).sha256;
    const columns = [
      { name: 'x1', kind: 'numeric' },
      { name: 'x2', kind: 'numeric' },
      { name: 'color', kind: 'categorical' },
      { name: 'y', kind: 'categorical' },
      { name: 'value', kind: 'numeric' },
    ];
    await setup.deps.db.insert(datasets).values({ id: dataset, name: 'synth', rows: 600, sizeBytes: bytes.length, columns, summary: { columns: [] }, createdAt: new Date().toISOString() });
  }, 60_000);

  afterAll(async () => {
    for (const r of replicas) await r.deps.training.close();
    for (const r of replicas) await r.opened.close();
    await server?.stop();
    await dir?.remove();
  });

  it('runs the trials of a 4-trial search on both replicas and finishes the run once, with the best trial and one registered version', async () => {
    const [a, b] = [await replica('hub-a'), await replica('hub-b')];
    await a.deps.training.start(a.deps);
    await b.deps.training.start(b.deps);
    const request = trainingRequestSchema.parse({
      dataset,
      target: 'value',
      task: 'regression',
      trainer: 'linear',
      features: ['x1', 'x2'],
      search: { kind: 'grid', space: { l2: [0, 0.1, 10, 1000] }, metric: 'rmse' },
      model: 'synth-search',
    });
    const { id } = await createRun(a.deps, request, 'admin');
    // hub-a plans the search and takes trial 0 at once; hub-b looks now instead of at its next poll.
    await b.deps.training.wake();
    expect(await finished(b, id)).toBe('succeeded');

    const run = await runDetail(b.deps, id);
    expect(run.trials.map((t) => t.index)).toEqual([0, 1, 2, 3]);
    const ranOn = run.trials.map((t) => t.replica);
    expect(new Set(ranOn)).toEqual(new Set(['hub-a', 'hub-b']));
    expect(new Set(run.epochs.map((e) => e.trial))).toEqual(new Set([0, 1, 2, 3]));
    const best = [...run.trials].sort((x, y) => (x.metrics['rmse'] ?? Infinity) - (y.metrics['rmse'] ?? Infinity))[0];
    expect(run.params).toMatchObject({ l2: best?.params['l2'] });
    expect(run).toMatchObject({ status: 'succeeded', stage: 'done', progress: 1, resultVersion: { model: 'synth-search', version: '1' }, metric: { name: 'rmse', beatsBaseline: true } });

    const versions = await a.deps.db.rows<{ n: number | string }>(sql`SELECT count(*) AS n FROM model_versions WHERE model = ${'synth-search'}`);
    expect(Number(versions[0]?.n)).toBe(1);
    const logs = await messages(a, id);
    expect(logs.filter((m) => m.startsWith('run started'))).toHaveLength(1);
    expect(logs.filter((m) => m.startsWith('search done: 4 trials on hub-a, hub-b; best trial'))).toHaveLength(1);
    expect(logs.filter((m) => m.startsWith('run succeeded'))).toEqual(['run succeeded: registered synth-search@1']);
    for (const index of [0, 1, 2, 3]) expect(logs.filter((m) => m.startsWith(`trial ${index} started on `))).toHaveLength(1);
    // The refit of the best trial's params is the trial's network.
    expect(logs.some((m) => m.includes('the model is not the trial'))).toBe(false);
    expect(logs.some((m) => m.includes('lost') || m.includes('resumed'))).toBe(false);
    await a.deps.training.close();
    await b.deps.training.close();
  }, 120_000);

  it("leaves a dead replica's run alone while its lease lasts, then resumes it on one replica only", async () => {
    // The dead replica queued a run and claimed it, then stopped renewing (killed): its runner never runs.
    const dead = await replica('hub-dead');
    const request = trainingRequestSchema.parse({ dataset, target: 'y', task: 'classification', trainer: 'linear', features: ['x1', 'x2', 'color'], model: 'synth-resume' });
    const { id } = await createRun(dead.deps, request, 'admin');
    const nowMs = Date.now();
    const claimed = await claimRun(dead.deps.db, { holder: 'hub-dead', nowMs, untilMs: nowMs + 30_000 });
    expect(claimed?.id).toBe(id);
    expect(await updateHeldRun(dead.deps.db, id, { holder: 'hub-dead', attempt: 1 }, { status: 'running', stage: 'training', progress: 300, startedAt: new Date(nowMs).toISOString() })).toBe(true);

    let skewMs = 0;
    const [c, d] = [await replica('hub-c', () => new Date(Date.now() + skewMs)), await replica('hub-d', () => new Date(Date.now() + skewMs))];
    await c.deps.training.start(c.deps);
    await d.deps.training.start(d.deps);
    await c.deps.training.wake();
    await d.deps.training.wake();
    expect(await getRun(c.deps.db, id)).toMatchObject({ status: 'running', claimedBy: 'hub-dead', attempts: 1 });

    skewMs = 31_000;
    await Promise.all([c.deps.training.wake(), d.deps.training.wake()]);
    expect(await finished(c, id)).toBe('succeeded');
    const row = await getRun(c.deps.db, id);
    expect(row).toMatchObject({ attempts: 2, resultVersion: '1' });
    const logs = await messages(c, id);
    expect(logs.filter((m) => m.startsWith('run resumed on '))).toEqual([`run resumed on ${row?.claimedBy} (claim 2): the replica running it stopped; restarted from the start (same seed, same result)`]);
    expect(['hub-c', 'hub-d']).toContain(row?.claimedBy);
    expect(logs.filter((m) => m.startsWith('run succeeded'))).toEqual(['run succeeded: registered synth-resume@1']);
    await c.deps.training.close();
    await d.deps.training.close();
  }, 120_000);

  it('takes back at once, without waiting for the lease, what a replica restarted under the same id held when it crashed', async () => {
    const crashed = await replica('hub-e');
    const request = trainingRequestSchema.parse({ dataset, target: 'y', task: 'classification', trainer: 'linear', features: ['x1', 'x2'], model: 'synth-restart', register: false });
    const { id } = await createRun(crashed.deps, request, 'admin');
    const nowMs = Date.now();
    expect((await claimRun(crashed.deps.db, { holder: 'hub-e', nowMs, untilMs: nowMs + 30_000 }))?.id).toBe(id);
    expect(await updateHeldRun(crashed.deps.db, id, { holder: 'hub-e', attempt: 1 }, { status: 'running', stage: 'training' })).toBe(true);

    const restarted = await replica('hub-e');
    await restarted.deps.training.start(restarted.deps);
    expect(await finished(restarted, id)).toBe('succeeded');
    expect(await getRun(restarted.deps.db, id)).toMatchObject({ claimedBy: 'hub-e', attempts: 2, resultVersion: null });
    expect((await messages(restarted, id)).filter((m) => m.startsWith('run resumed on hub-e (claim 2)'))).toHaveLength(1);
  }, 120_000);
});
