import { describe, expect, it } from 'vitest';
import { AuthAdmission, DEFAULT_AUTH_LIMITS, sourceKey, type AuthLimits, type AuthRefusal, type SlowSlot } from '../../src/core/auth-admission';

const limits = (overrides: Partial<AuthLimits> = {}): AuthLimits => ({
  ...DEFAULT_AUTH_LIMITS,
  perSource: { capacity: 5, perSecond: 1 },
  perDevice: { capacity: 3, perSecond: 0.1 },
  slow: { concurrency: 1, maxWaiting: 3, estimatedMs: 1_000 },
  ...overrides,
});

/** Fails `times` attempts from `source` for `id` at `now`, each first admitted by check(). */
function fail(admission: AuthAdmission, source: string, id: string, times: number, now = 0): void {
  for (let i = 0; i < times; i++) {
    expect(admission.check(source, id, now)).toBeNull();
    admission.recordFailure(source, id, now);
  }
}

const settled = async <T>(promise: Promise<T>): Promise<T | 'pending'> => Promise.race([promise, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);
const isSlot = (value: SlowSlot | AuthRefusal | 'pending'): value is SlowSlot => typeof value === 'object' && value.kind === 'slot';

describe('AuthAdmission: failure limits', () => {
  it('refuses a source at once after its burst of failures, then lets one through per refill', () => {
    const admission = new AuthAdmission(limits());
    // A different id each time: only the source limit applies.
    for (let i = 0; i < 5; i++) fail(admission, '10.0.0.1', `guess-${i}`, 1);
    expect(admission.check('10.0.0.1', 'guess-9', 0)).toEqual({ kind: 'throttled', scope: 'source', retryAfterS: 1 });
    expect(admission.check('10.0.0.1', 'guess-9', 999)).toMatchObject({ kind: 'throttled', scope: 'source' });
    expect(admission.check('10.0.0.1', 'guess-9', 1_000)).toBeNull();
    admission.recordFailure('10.0.0.1', 'guess-9', 1_000);
    expect(admission.check('10.0.0.1', 'guess-10', 1_000)).toMatchObject({ kind: 'throttled', scope: 'source' });
    // An hour later the bucket is full again, not 3,600 deep.
    fail(admission, '10.0.0.1', 'later', 3, 3_600_000);
    fail(admission, '10.0.0.1', 'later-2', 2, 3_600_000);
    expect(admission.check('10.0.0.1', 'later-3', 3_600_000)).toMatchObject({ kind: 'throttled', scope: 'source' });
  });

  it('is fair: one source’s failures never refuse another source, even for the same device id', () => {
    const admission = new AuthAdmission(limits());
    fail(admission, '10.0.0.1', 'dev-1', 3);
    // dev-1 has used its burst: the failing source is refused for it at once ...
    expect(admission.check('10.0.0.1', 'dev-1', 0)).toEqual({ kind: 'throttled', scope: 'device', retryAfterS: 10 });
    // ... but still may try other ids while it has failures left,
    expect(admission.check('10.0.0.1', 'dev-2', 0)).toBeNull();
    // and the device itself, from anywhere else, is still checked.
    expect(admission.check('10.0.0.2', 'dev-1', 0)).toBeNull();
    expect(admission.check('192.168.1.7', 'dev-1', 0)).toBeNull();
    // Once a second source fails for dev-1 too, it joins the refused ones; a third is still checked.
    admission.recordFailure('10.0.0.2', 'dev-1', 0);
    expect(admission.check('10.0.0.2', 'dev-1', 0)).toMatchObject({ kind: 'throttled', scope: 'device' });
    expect(admission.check('10.0.0.3', 'dev-1', 0)).toBeNull();
  });

  it('never limits successes: a whole fleet behind one address gets in, before and after a few failures', () => {
    const admission = new AuthAdmission(DEFAULT_AUTH_LIMITS);
    const nat = '203.0.113.9';
    for (let i = 0; i < 10_000; i++) {
      expect(admission.check(nat, `dev-${i}`, i)).toBeNull();
      admission.recordSuccess(nat, `dev-${i}`);
    }
    // A few hundred devices of that fleet with a stale secret do not lock the rest out.
    fail(admission, nat, 'stale', 1, 20_000);
    for (let i = 0; i < 500; i++) fail(admission, nat, `stale-${i}`, 1, 20_000);
    expect(admission.check(nat, 'dev-1', 20_000)).toBeNull();
  });

  it('a success clears the source from the id’s failing sources', () => {
    const admission = new AuthAdmission(limits({ perSource: { capacity: 100, perSecond: 1 } }));
    fail(admission, '10.0.0.1', 'dev-1', 1);
    admission.recordSuccess('10.0.0.1', 'dev-1');
    fail(admission, '10.0.0.9', 'dev-1', 2);
    expect(admission.check('10.0.0.9', 'dev-1', 0)).toMatchObject({ kind: 'throttled', scope: 'device' });
    expect(admission.check('10.0.0.1', 'dev-1', 0)).toBeNull();
  });

  it('says when a failure used a limit up, once', () => {
    const admission = new AuthAdmission(limits());
    const crossings = Array.from({ length: 6 }, (_, i) => admission.recordFailure('10.0.0.1', 'dev-1', i * 10));
    expect(crossings.map((c) => c.deviceThrottled)).toEqual([false, false, true, false, false, false]);
    expect(crossings.map((c) => c.sourceThrottled)).toEqual([false, false, false, false, true, false]);
  });

  it('forgets idle entries beyond its bound', () => {
    const admission = new AuthAdmission(limits({ maxTracked: 10 }));
    for (let i = 0; i < 50; i++) admission.recordFailure(`10.0.1.${i}`, `dev-${i}`, 0);
    // the oldest was forgotten, i.e. is back to a full bucket; the newest still counts
    for (const id of ['a', 'b', 'c', 'd', 'e']) fail(admission, '10.0.1.0', id, 1);
    for (const id of ['a', 'b', 'c', 'd']) fail(admission, '10.0.1.49', id, 1);
    expect(admission.check('10.0.1.49', 'z', 0)).toMatchObject({ kind: 'throttled', scope: 'source' });
  });
});

describe('AuthAdmission: slow verifications', () => {
  it('bounds concurrency and the queue; a full queue is busy with a Retry-After', async () => {
    const admission = new AuthAdmission(limits({ perSource: { capacity: 100, perSecond: 1 } }));
    const first = await admission.slot('10.0.0.1', 0);
    expect(first.kind).toBe('slot');
    const waiting = [admission.slot('10.0.0.2', 0), admission.slot('10.0.0.3', 0), admission.slot('10.0.0.4', 0)];
    expect(admission.load()).toEqual({ running: 1, waiting: 3 });
    // Every source holds one: a newcomer holding none evens nothing out, so it is refused.
    expect(await admission.slot('10.0.0.5', 0)).toEqual({ kind: 'busy', retryAfterS: 4 });
    expect(await settled(waiting[0] as Promise<SlowSlot | AuthRefusal>)).toBe('pending');
    if (isSlot(first)) {
      first.release();
      first.release(); // a second release does nothing
    }
    const next = await settled(waiting[0] as Promise<SlowSlot | AuthRefusal>);
    expect(isSlot(next)).toBe(true);
    expect(admission.load()).toEqual({ running: 1, waiting: 2 });
  });

  it('serves sources round-robin, sources without failures first', async () => {
    const admission = new AuthAdmission(limits({ perSource: { capacity: 100, perSecond: 1 }, slow: { concurrency: 1, maxWaiting: 10, estimatedMs: 50 } }));
    admission.recordFailure('10.6.6.6', 'dev-x', 0);
    const running = await admission.slot('10.0.0.9', 0);
    const order: string[] = [];
    const enqueue = (source: string, label: string): void => {
      void admission.slot(source, 0).then((slot) => {
        order.push(label);
        if (slot.kind === 'slot') setImmediate(() => slot.release());
      });
    };
    enqueue('10.6.6.6', 'flood-1');
    enqueue('10.6.6.6', 'flood-2');
    enqueue('10.6.6.6', 'flood-3');
    enqueue('10.0.0.1', 'a-1');
    enqueue('10.0.0.1', 'a-2');
    enqueue('10.0.0.2', 'b-1');
    if (running.kind === 'slot') running.release();
    await expect.poll(() => order.length).toBe(6);
    expect(order).toEqual(['a-1', 'b-1', 'a-2', 'flood-1', 'flood-2', 'flood-3']);
  });

  it('a clean newcomer displaces a failing source’s newest waiter when the queue is full', async () => {
    const admission = new AuthAdmission(limits({ perSource: { capacity: 100, perSecond: 1 } }));
    admission.recordFailure('10.6.6.6', 'dev-x', 0);
    const running = await admission.slot('10.6.6.6', 0);
    const flood = [admission.slot('10.6.6.6', 0), admission.slot('10.6.6.6', 0), admission.slot('10.6.6.6', 0)];
    expect(await admission.slot('10.6.6.6', 0)).toMatchObject({ kind: 'busy' });
    const device = admission.slot('10.0.0.1', 0);
    // the newest flood waiter was told to come back later; the device waits in its place
    expect(await flood[2]).toMatchObject({ kind: 'busy' });
    expect(admission.load()).toEqual({ running: 1, waiting: 3 });
    if (running.kind === 'slot') running.release();
    expect(isSlot(await settled(device))).toBe(true);
    expect(await settled(flood[0] as Promise<SlowSlot | AuthRefusal>)).toBe('pending');
  });

  it('a source never has more slow checks pending than failures it has left', async () => {
    const admission = new AuthAdmission(limits({ slow: { concurrency: 2, maxWaiting: 10, estimatedMs: 50 } }));
    fail(admission, '10.6.6.6', 'guess', 3);
    const slots = [await admission.slot('10.6.6.6', 0), await admission.slot('10.6.6.6', 0)];
    expect(slots.map((slot) => slot.kind)).toEqual(['slot', 'slot']);
    expect(await admission.slot('10.6.6.6', 0)).toMatchObject({ kind: 'busy' });
    // another source is unaffected
    expect(admission.slot('10.0.0.1', 0)).toBeInstanceOf(Promise);
    expect(admission.load()).toEqual({ running: 2, waiting: 1 });
  });
});

describe('sourceKey', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['64:ff9b:1:2::192.0.2.1', '64:ff9b:1:2::/64'],
    [undefined, 'unknown'],
    ['', 'unknown'],
  ])('%s -> %s', (address, key) => {
    expect(sourceKey(address)).toBe(key);
  });
});
