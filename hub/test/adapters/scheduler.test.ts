import { afterEach, describe, expect, it } from 'vitest';
import { createScheduler, type Scheduler } from '../../src/adapters/scheduler';
import type { Logger } from '../../src/adapters/logger';

const errors: string[] = [];
const logger: Logger = { info: () => undefined, warn: () => undefined, error: (msg, fields) => errors.push(`${msg} ${JSON.stringify(fields)}`) };

describe('scheduler', () => {
  let scheduler: Scheduler | null = null;
  afterEach(async () => {
    await scheduler?.close();
    scheduler = null;
    errors.length = 0;
  });

  it('refuses an invalid cron expression and a duplicate name', () => {
    scheduler = createScheduler(logger);
    expect(() => scheduler?.add({ name: 'a', description: '', schedule: 'every hour', run: () => 1 })).toThrow('invalid cron expression "every hour"');
    scheduler.add({ name: 'a', description: '', schedule: '5 * * * *', run: () => 1 });
    expect(() => scheduler?.add({ name: 'a', description: '', schedule: '5 * * * *', run: () => 1 })).toThrow('already exists');
  });

  it('runs a job on demand with its result, and lists its schedule, next run and last run', async () => {
    scheduler = createScheduler(logger, () => new Date('2026-11-25T10:00:00.000Z'));
    scheduler.add({ name: 'count', description: 'counts', schedule: '5 * * * *', run: async () => ({ counted: 3 }) });
    scheduler.start();
    const run = await scheduler.runNow('count');
    expect(run).toMatchObject({ ok: true, reason: 'manual', result: { counted: 3 }, startedAt: '2026-11-25T10:00:00.000Z' });
    const [status] = scheduler.list();
    expect(status).toMatchObject({ name: 'count', schedule: '5 * * * *', running: false, lastRun: { ok: true, result: { counted: 3 } } });
    expect(new Date(status?.nextRunAt ?? 0).getUTCMinutes()).toBe(5);
    await expect(scheduler.runNow('missing')).rejects.toThrow('no job missing');
  });

  it('never overlaps runs of one job: a manual run waits for the one in progress', async () => {
    scheduler = createScheduler(logger);
    const order: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    scheduler.add({
      name: 'slow',
      description: '',
      schedule: '0 0 1 1 *',
      run: async () => {
        const call = ++calls;
        order.push(`start ${call}`);
        if (call === 1) await gate;
        order.push(`end ${call}`);
      },
    });
    const first = scheduler.runNow('slow');
    const second = scheduler.runNow('slow');
    // The second run cannot start before the first ends, however long that takes.
    await Promise.resolve();
    expect(order).toEqual(['start 1']);
    expect(scheduler.list()[0]?.running).toBe(true);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('reports a failing run as ok false with its error, logs it, and keeps the job', async () => {
    scheduler = createScheduler(logger);
    let fail = true;
    scheduler.add({
      name: 'flaky',
      description: '',
      schedule: '0 0 1 1 *',
      run: () => {
        if (fail) throw new Error('database is locked');
        return 'fine';
      },
    });
    expect(await scheduler.runNow('flaky')).toMatchObject({ ok: false, error: 'database is locked' });
    expect(errors.join('\n')).toContain('database is locked');
    fail = false;
    expect(await scheduler.runNow('flaky')).toMatchObject({ ok: true, result: 'fine' });
    expect(scheduler.list()[0]?.counts).toEqual({ ran: 1, skipped: 0, failed: 1 });
  });
});
