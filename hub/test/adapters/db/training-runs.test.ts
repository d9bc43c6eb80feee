/**
 * ISSUE 12: the training-runs repository (adapters/db/training-runs.ts), one contract run against
 * SQLite and against a real PostgreSQL 15. Runs, trials and log lines are written and read back;
 * concurrent log lines get consecutive seqs; and the claims that spread training over replicas:
 * the oldest claimable unit is claimed once, a held unit is refused to others while its lease
 * lasts, a renewed one stays with its holder, an expired one is taken over (the next attempt),
 * and the old holder's fenced writes then change nothing; many claimers at once never get the
 * same unit; a search's run is claimable only once its trials are done; cancelling fences
 * everything off.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/adapters/db/db';
import { datasets } from '../../../src/adapters/db/schema';
import {
  appendLog,
  cancelActiveRun,
  claimRun,
  claimTrial,
  finishActiveRun,
  getRun,
  insertRun,
  listLogs,
  listRuns,
  listTrials,
  planSearch,
  raiseSearchProgress,
  releaseClaimsOf,
  releaseRun,
  releaseTrial,
  renewRun,
  renewTrial,
  runsOnDataset,
  searchProgress,
  updateHeldRun,
  updateHeldTrial,
  updateRun,
} from '../../../src/adapters/db/training-runs';
import { ENGINES, useBothDatabases } from './both-databases';

const DATASET = 'd'.repeat(64);
const OTHER_DATASET = 'e'.repeat(64);
const LEASE = 30_000;
const claimAt = (holder: string, nowMs: number) => ({ holder, nowMs, untilMs: nowMs + LEASE });
const at = (second: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

const databases = useBothDatabases();

async function newRun(db: Db, createdSecond: number, extra: { datasetId?: string; status?: string; stage?: string } = {}): Promise<string> {
  const id = randomUUID();
  await insertRun(db, {
    id,
    status: extra.status ?? 'queued',
    stage: extra.stage ?? 'queued',
    request: { dataset: extra.datasetId ?? DATASET, nested: { list: [1, 2.5, 'x'], flag: true } },
    datasetId: extra.datasetId ?? DATASET,
    model: 'm',
    codeVersion: 'test',
    createdAt: at(createdSecond),
    trigger: null,
  });
  return id;
}

const trialRows = (runId: string, count: number, queuedAt = at(0)) => Array.from({ length: count }, (_, index) => ({ runId, index, params: { l2: index / 10 }, status: 'queued', queuedAt }));

/** The engine's database with the two datasets, and no runs at the start of each test (claims take the oldest claimable unit of the whole table). */
function cleanTrainingTables(engine: (typeof ENGINES)[number]): { db: Db } {
  const handle = {} as { db: Db };
  beforeAll(async () => {
    handle.db = databases[engine]();
    for (const id of [DATASET, OTHER_DATASET]) {
      await handle.db.insert(datasets).values({ id, name: `set-${id[0]}`, rows: 1, sizeBytes: 1, columns: [], summary: {}, createdAt: at(0) }).onConflictDoNothing();
    }
  });
  beforeEach(async () => {
    await handle.db.execute(sql`DELETE FROM training_logs`);
    await handle.db.execute(sql`DELETE FROM training_trials`);
    await handle.db.execute(sql`DELETE FROM training_runs`);
  });
  return handle;
}

describe.each(ENGINES)('training runs on %s', (engine) => {
  const tables = cleanTrainingTables(engine);
  let db: Db;
  beforeEach(() => {
    db = tables.db;
  });

  it('writes runs and reads them back: JSON columns, newest first, patches with their change counts, runs per dataset', async () => {
    const first = await newRun(db, 1);
    const second = await newRun(db, 2, { datasetId: OTHER_DATASET });
    const row = await getRun(db, first);
    expect(row).toMatchObject({ id: first, status: 'queued', stage: 'queued', progress: 0, epochs: [], trials: [], request: { dataset: DATASET, nested: { list: [1, 2.5, 'x'], flag: true } }, claimedBy: null, claimedUntilMs: null, attempts: 0 });
    expect((await listRuns(db)).map((r) => r.id)).toEqual([second, first]);
    expect((await listRuns(db, 1)).map((r) => r.id)).toEqual([second]);
    expect(await updateRun(db, first, { status: 'running', progress: 120, metrics: { accuracy: 0.25 }, durationMs: 3_000_000_000 })).toBe(1);
    expect(await updateRun(db, randomUUID(), { status: 'running' })).toBe(0);
    expect(await updateRun(db, first, {})).toBe(0);
    expect(await getRun(db, first)).toMatchObject({ status: 'running', progress: 120, metrics: { accuracy: 0.25 }, durationMs: 3_000_000_000 });
    expect((await runsOnDataset(db, OTHER_DATASET)).map((r) => r.id)).toEqual([second]);
    expect(await getRun(db, randomUUID())).toBeUndefined();
  });

  it('numbers log lines 1, 2, 3... per run, also when many are appended at once, and pages them by seq', async () => {
    const id = await newRun(db, 1);
    const other = await newRun(db, 2);
    const seqs = await Promise.all(Array.from({ length: 20 }, (_, i) => appendLog(db, id, at(i), i % 2 === 0 ? 'info' : 'warn', `line ${i}`)));
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await appendLog(db, other, at(0), 'info', 'its own first line')).toBe(1);
    const page = await listLogs(db, id, 5, 3);
    expect(page.map((l) => l.seq)).toEqual([6, 7, 8]);
    expect(page[0]).toMatchObject({ runId: id, level: expect.stringMatching(/^(info|warn)$/), message: expect.stringMatching(/^line \d+$/) });
    expect(await listLogs(db, id, 20)).toEqual([]);
  });

  it('claims the oldest run once; a held run stays with its holder while renewed and is taken over once its lease ran out, fencing the old holder off', async () => {
    const r1 = await newRun(db, 1);
    const r2 = await newRun(db, 2);
    const a = await claimRun(db, claimAt('hub-a', 1_000));
    expect(a).toMatchObject({ id: r1, claimedBy: 'hub-a', claimedUntilMs: 1_000 + LEASE, attempts: 1 });
    expect(await claimRun(db, claimAt('hub-b', 2_000))).toMatchObject({ id: r2, claimedBy: 'hub-b', attempts: 1 });
    expect(await claimRun(db, claimAt('hub-c', 3_000))).toBeUndefined();

    // hub-a renews; hub-b does not, and its lease (until 32 000) runs out.
    expect(await renewRun(db, r1, { holder: 'hub-a', attempt: 1 }, 40_000 + LEASE)).toBe(true);
    expect(await claimRun(db, claimAt('hub-c', 31_999))).toBeUndefined();
    expect(await claimRun(db, claimAt('hub-c', 40_000))).toMatchObject({ id: r2, claimedBy: 'hub-c', attempts: 2 });
    expect(await renewRun(db, r2, { holder: 'hub-b', attempt: 1 }, 90_000)).toBe(false);
    expect(await updateHeldRun(db, r2, { holder: 'hub-b', attempt: 1 }, { stage: 'training', progress: 500 })).toBe(false);
    expect(await updateHeldRun(db, r2, { holder: 'hub-c', attempt: 2 }, { status: 'running', stage: 'loading' })).toBe(true);
    expect(await getRun(db, r2)).toMatchObject({ status: 'running', stage: 'loading', progress: 0 });

    // The same replica claiming again after its own lease ran out is a new attempt: the old one is fenced off too.
    expect(await claimRun(db, claimAt('hub-a', 40_000 + LEASE + 1))).toMatchObject({ id: r1, claimedBy: 'hub-a', attempts: 2 });
    expect(await updateHeldRun(db, r1, { holder: 'hub-a', attempt: 1 }, { stage: 'training' })).toBe(false);

    // A released run is claimable at once; a finished one never.
    expect(await releaseRun(db, r1, { holder: 'hub-a', attempt: 2 })).toBe(true);
    expect(await getRun(db, r1)).toMatchObject({ claimedBy: null, claimedUntilMs: null });
    expect(await claimRun(db, claimAt('hub-d', 40_000 + LEASE + 2))).toMatchObject({ id: r1, claimedBy: 'hub-d', attempts: 3 });
    expect(await updateHeldRun(db, r1, { holder: 'hub-d', attempt: 3 }, { status: 'succeeded', claimedUntilMs: null })).toBe(true);
    expect(await claimRun(db, claimAt('hub-e', 1e12))).toMatchObject({ id: r2, claimedBy: 'hub-e', attempts: 3 });
    expect(await claimRun(db, claimAt('hub-f', 2e12))).toMatchObject({ id: r2, attempts: 4 });
    expect(await getRun(db, r1)).toMatchObject({ status: 'succeeded', claimedBy: 'hub-d' });
    expect(await renewRun(db, r1, { holder: 'hub-d', attempt: 3 }, 3e12)).toBe(false);
  });

  it('never hands one run or one trial to two of many claimers at once', async () => {
    const runs = new Set<string>();
    for (let i = 0; i < 6; i++) runs.add(await newRun(db, i));
    const claims = await Promise.all(Array.from({ length: 16 }, (_, i) => claimRun(db, claimAt(`hub-${i}`, 5_000))));
    const won = claims.filter((c) => c !== undefined);
    expect(won).toHaveLength(6);
    expect(new Set(won.map((c) => c.id))).toEqual(runs);
    for (const c of won) expect(await getRun(db, c.id)).toMatchObject({ claimedBy: c.claimedBy, attempts: 1 });

    const search = await newRun(db, 10);
    expect(await planSearch(db, search, { holder: 'planner', attempt: 0 }, trialRows(search, 6), { status: 'running' })).toBe(false);
    await db.execute(sql`UPDATE training_runs SET claimed_by = 'planner', attempts = 1 WHERE id = ${search}`);
    expect(await planSearch(db, search, { holder: 'planner', attempt: 1 }, trialRows(search, 6), { status: 'running', stage: 'training' })).toBe(true);
    const trials = await Promise.all(Array.from({ length: 16 }, (_, i) => claimTrial(db, claimAt(`hub-${i}`, 5_000))));
    const taken = trials.filter((t) => t !== undefined);
    expect(taken.map((t) => t.index).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(new Set(taken.map((t) => t.claimedBy)).size).toBe(6);
    expect((await listTrials(db, search)).every((t) => t.status === 'running' && t.attempts === 1)).toBe(true);
  });

  it('plans a search whose trials are claimed one by one (an expired one taken over), and makes the run claimable again once all are done', async () => {
    const run = await newRun(db, 1);
    const claimed = await claimRun(db, claimAt('hub-a', 1_000));
    expect(claimed?.id).toBe(run);
    const planner = { holder: 'hub-a', attempt: 1 };
    expect(await planSearch(db, run, planner, trialRows(run, 3, at(1)), { status: 'running', stage: 'training', progress: 120, startedAt: at(1) })).toBe(true);
    expect(await getRun(db, run)).toMatchObject({ status: 'running', stage: 'training', progress: 120, claimedBy: null, claimedUntilMs: null });
    await expect(planSearch(db, run, planner, trialRows(run, 3), {})).resolves.toBe(false);
    // While trials are queued or running, the run waits.
    expect(await claimRun(db, claimAt('hub-b', 2_000))).toBeUndefined();

    expect(await claimTrial(db, claimAt('hub-b', 2_000))).toMatchObject({ runId: run, index: 0, status: 'running', claimedBy: 'hub-b', attempts: 1, params: { l2: 0 } });
    expect(await claimTrial(db, claimAt('hub-c', 2_000))).toMatchObject({ index: 1, claimedBy: 'hub-c' });
    expect(await claimTrial(db, claimAt('hub-d', 2_000))).toMatchObject({ index: 2, claimedBy: 'hub-d' });
    expect(await claimTrial(db, claimAt('hub-e', 2_000))).toBeUndefined();
    const [b, c, d] = [{ holder: 'hub-b', attempt: 1 }, { holder: 'hub-c', attempt: 1 }, { holder: 'hub-d', attempt: 1 }];
    expect(await renewTrial(db, run, 0, b, 50_000 + LEASE)).toBe(true);
    expect(await renewTrial(db, run, 2, d, 50_000 + LEASE)).toBe(true);
    expect(await updateHeldTrial(db, run, 1, c, { progress: 400, epochs: [{ trial: 1, epoch: 1, loss: 0.5 }] })).toBe(true);

    // hub-c died: its trial is taken over, renewed ones are not.
    expect(await claimTrial(db, claimAt('hub-e', 50_000))).toMatchObject({ index: 1, claimedBy: 'hub-e', attempts: 2 });
    expect(await claimTrial(db, claimAt('hub-f', 50_001))).toBeUndefined();
    expect(await updateHeldTrial(db, run, 1, c, { status: 'succeeded' })).toBe(false);
    const e = { holder: 'hub-e', attempt: 2 };
    expect(await updateHeldTrial(db, run, 1, e, { progress: 0, epochs: [] })).toBe(true);

    expect(await updateHeldTrial(db, run, 0, b, { progress: 1000 })).toBe(true);
    expect(await updateHeldTrial(db, run, 1, e, { progress: 500 })).toBe(true);
    expect(await searchProgress(db, run)).toEqual({ permille: 1500, trials: 3 });
    expect(await raiseSearchProgress(db, run, 500)).toBe(true);
    expect(await raiseSearchProgress(db, run, 400)).toBe(false);
    expect((await getRun(db, run))?.progress).toBe(500);

    for (const [index, claim] of [[0, b], [1, e], [2, d]] as const) {
      expect(await updateHeldTrial(db, run, index, claim, { status: 'succeeded', progress: 1000, metrics: { rmse: index + 0.5 }, claimedUntilMs: null })).toBe(true);
    }
    expect(await updateHeldTrial(db, run, 0, b, { progress: 10 })).toBe(false);
    const final = await claimRun(db, claimAt('hub-f', 60_000));
    expect(final).toMatchObject({ id: run, claimedBy: 'hub-f', attempts: 2, status: 'running', stage: 'training' });
    const trials = await listTrials(db, run);
    expect(trials.map((t) => [t.index, t.status, t.claimedBy, t.metrics])).toEqual([
      [0, 'succeeded', 'hub-b', { rmse: 0.5 }],
      [1, 'succeeded', 'hub-e', { rmse: 1.5 }],
      [2, 'succeeded', 'hub-d', { rmse: 2.5 }],
    ]);
    expect(await releaseTrial(db, run, 0, b)).toBe(false);
  });

  it('cancels a queued or running run with its trials (fencing their holders off), but not a registering or finished one', async () => {
    const run = await newRun(db, 1);
    await db.execute(sql`UPDATE training_runs SET claimed_by = 'hub-a', attempts = 1 WHERE id = ${run}`);
    expect(await planSearch(db, run, { holder: 'hub-a', attempt: 1 }, trialRows(run, 2), { status: 'running', stage: 'training' })).toBe(true);
    expect(await claimTrial(db, claimAt('hub-b', 1_000))).toMatchObject({ index: 0 });
    expect(await cancelActiveRun(db, run, at(9))).toBe('cancelled');
    expect(await getRun(db, run)).toMatchObject({ status: 'cancelled', finishedAt: at(9) });
    expect((await listTrials(db, run)).map((t) => t.status)).toEqual(['cancelled', 'cancelled']);
    expect(await claimTrial(db, claimAt('hub-c', 1e12))).toBeUndefined();
    expect(await claimRun(db, claimAt('hub-c', 1e12))).toBeUndefined();
    expect(await renewTrial(db, run, 0, { holder: 'hub-b', attempt: 1 }, 2e12)).toBe(false);
    expect(await cancelActiveRun(db, run, at(10))).toBe('finished');
    expect(await cancelActiveRun(db, randomUUID(), at(10))).toBe('unknown');

    const registering = await newRun(db, 2, { status: 'running', stage: 'registering' });
    expect(await cancelActiveRun(db, registering, at(11))).toBe('registering');
    expect(await getRun(db, registering)).toMatchObject({ status: 'running', finishedAt: null });
  });

  it("fails a run whoever holds it, once; gives back every unfinished unit a replica held, and only those", async () => {
    const plain = await newRun(db, 1);
    const search = await newRun(db, 2);
    const done = await newRun(db, 3);
    expect(await claimRun(db, claimAt('hub-a', 1_000))).toMatchObject({ id: plain });
    expect(await claimRun(db, claimAt('hub-a', 1_000))).toMatchObject({ id: search });
    expect(await claimRun(db, claimAt('hub-a', 1_000))).toMatchObject({ id: done });
    expect(await updateHeldRun(db, done, { holder: 'hub-a', attempt: 1 }, { status: 'succeeded' })).toBe(true);
    await db.execute(sql`UPDATE training_runs SET claimed_by = 'hub-b', attempts = 2 WHERE id = ${search}`);
    expect(await planSearch(db, search, { holder: 'hub-b', attempt: 2 }, trialRows(search, 2), { status: 'running', stage: 'training' })).toBe(true);
    expect(await claimTrial(db, claimAt('hub-a', 1_000))).toMatchObject({ index: 0 });
    expect(await claimTrial(db, claimAt('hub-b', 1_000))).toMatchObject({ index: 1 });

    expect(await releaseClaimsOf(db, 'hub-a')).toBe(2);
    expect(await getRun(db, plain)).toMatchObject({ claimedBy: null, claimedUntilMs: null });
    expect(await getRun(db, done)).toMatchObject({ claimedBy: 'hub-a' });
    expect((await listTrials(db, search)).map((t) => t.claimedBy)).toEqual([null, 'hub-b']);
    expect(await claimTrial(db, claimAt('hub-c', 1_001))).toMatchObject({ index: 0, attempts: 2 });

    expect(await finishActiveRun(db, search, { status: 'failed', error: { code: 'E_X', message: 'trial 1: boom' } })).toBe(true);
    expect(await finishActiveRun(db, search, { status: 'failed' })).toBe(false);
    expect(await getRun(db, search)).toMatchObject({ status: 'failed', error: { code: 'E_X', message: 'trial 1: boom' } });
    expect(await renewTrial(db, search, 1, { holder: 'hub-b', attempt: 1 }, 90_000)).toBe(false);
  });
});

// SQLite runs one writer at a time: there is no row lock to pass over.
describe('training run claims on PostgreSQL alone', () => {
  const tables = cleanTrainingTables('postgres');
  it('passes over a run another claimer has locked instead of waiting for it (SKIP LOCKED)', async () => {
    const { db } = tables;
    const r1 = await newRun(db, 1);
    const r2 = await newRun(db, 2);
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let lockTaken = (): void => undefined;
    const locked = new Promise<void>((resolve) => (lockTaken = resolve));
    const other = db.transaction(async (tx) => {
      await tx.execute(sql`SELECT 1 FROM training_runs WHERE id = ${r1} FOR UPDATE`);
      lockTaken();
      await held;
    });
    await locked;
    // Without SKIP LOCKED this claim would wait for the other transaction, which waits for it.
    expect(await claimRun(db, claimAt('hub-b', 1_000))).toMatchObject({ id: r2 });
    release();
    await other;
    expect(await claimRun(db, claimAt('hub-c', 1_000))).toMatchObject({ id: r1 });
  });
});
