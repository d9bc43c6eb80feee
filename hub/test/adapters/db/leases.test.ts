/**
 * ISSUE 12 item 2: the singleton-work lease, one contract run against SQLite and against a real
 * PostgreSQL 15 through the same SQL (adapters/db/leases.ts on db.ts). A free lease is
 * taken; its holder renews it and keeps its token; another replica is refused while it lasts and
 * takes it over (token + 1) once it expired; a release frees it at once; and two replicas
 * claiming at the same moment never both win. Then two schedulers sharing one database: a job
 * runs on the lease holder only, and on the other replica once the holder stopped renewing.
 */
import { describe, expect, it } from 'vitest';
import { claimLease, readLease, releaseLease } from '../../../src/adapters/db/leases';
import type { SqlExecutor } from '../../../src/adapters/db/db';
import type { Logger } from '../../../src/adapters/logger';
import { createScheduler } from '../../../src/adapters/scheduler';
import { singletonGate } from '../../../src/services/singleton-work';
import { ENGINES, useBothDatabases } from './both-databases';

const TTL = 30_000;
// Not test/support's: that module loads the whole hub, which this test does not need.
const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const claim = (exec: SqlExecutor, holder: string, nowMs: number, name = 'jobs') => claimLease(exec, { name, holder, nowMs, expiresAtMs: nowMs + TTL });

const databases = useBothDatabases();

describe.each(ENGINES)('singleton-work lease on %s', (dialect) => {
  it('is taken when free, renewed by its holder, refused to others until it expires, then taken over with a new token', async () => {
    const exec = databases[dialect]();
    const name = `lease-${dialect}-a`;
    const first = await claim(exec, 'hub-a', 1_000, name);
    expect(first).toEqual({ name, holder: 'hub-a', expiresAtMs: 1_000 + TTL, token: 1 });
    expect(await claim(exec, 'hub-b', 2_000, name)).toBeNull();
    expect(await claim(exec, 'hub-a', 10_000, name)).toMatchObject({ holder: 'hub-a', expiresAtMs: 10_000 + TTL, token: 1 });
    expect(await claim(exec, 'hub-b', 10_000 + TTL - 1, name)).toBeNull();
    expect(await claim(exec, 'hub-b', 10_000 + TTL + 1, name)).toMatchObject({ holder: 'hub-b', token: 2 });
    expect(await claim(exec, 'hub-a', 10_000 + TTL + 2, name)).toBeNull();
    expect(await readLease(exec, name)).toMatchObject({ holder: 'hub-b', token: 2 });
  });

  it('is free at once after its holder releases it, and a release by another replica changes nothing', async () => {
    const exec = databases[dialect]();
    const name = `lease-${dialect}-b`;
    await claim(exec, 'hub-a', 1_000, name);
    await releaseLease(exec, name, 'hub-b');
    expect(await readLease(exec, name)).toMatchObject({ holder: 'hub-a' });
    await releaseLease(exec, name, 'hub-a');
    expect(await readLease(exec, name)).toBeUndefined();
    expect(await claim(exec, 'hub-b', 1_001, name)).toMatchObject({ holder: 'hub-b', token: 1 });
  });

  it('lets exactly one of many replicas win a simultaneous claim', async () => {
    const exec = databases[dialect]();
    const name = `lease-${dialect}-c`;
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => claim(exec, `hub-${i}`, 5_000, name)));
    const winners = results.filter((lease) => lease !== null);
    expect(winners).toHaveLength(1);
    expect(await readLease(exec, name)).toMatchObject({ holder: winners[0]?.holder });
  });
});

describe('scheduled jobs on two replicas sharing one database', () => {
  it('run on the lease holder only, and move to the other replica once the holder stops renewing', async () => {
    const exec = databases.postgres();
    let clockMs = 100_000;
    const runs: string[] = [];
    const replica = (id: string) => {
      const scheduler = createScheduler(silentLogger, () => new Date(clockMs), singletonGate(exec, { name: 'scheduled-jobs-test', holder: id, logger: silentLogger, now: () => clockMs }));
      scheduler.add({ name: 'drift-evaluation', description: 'test', schedule: '0 * * * *', run: () => runs.push(id) });
      return scheduler;
    };
    const [a, b] = [replica('hub-a'), replica('hub-b')];
    try {
      expect((await a.runNow('drift-evaluation')).skipped).toBeUndefined();
      expect((await b.runNow('drift-evaluation')).skipped).toBe(true);
      clockMs += 10_000;
      await a.runNow('drift-evaluation');
      await b.runNow('drift-evaluation');
      expect(runs).toEqual(['hub-a', 'hub-a']);
      // hub-a is killed: it renews no more; after the lease's 30 s hub-b takes over.
      clockMs += 31_000;
      expect((await b.runNow('drift-evaluation')).skipped).toBeUndefined();
      expect(runs).toEqual(['hub-a', 'hub-a', 'hub-b']);
      // What each replica tells GET /api/v1/jobs: the same runs, counted where they happened.
      expect(a.list()[0]?.counts).toEqual({ ran: 2, skipped: 0, failed: 0 });
      expect(b.list()[0]?.counts).toEqual({ ran: 1, skipped: 2, failed: 0 });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
