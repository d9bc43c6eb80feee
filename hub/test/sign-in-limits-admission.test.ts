/**
 * The pure admission of presented secrets (core/sign-in-admission.ts, issue 16 item 5), with time
 * given by the test: failures per source, checks in flight bounded by the failures a source has
 * left (successes wait their turn, never refused), one source never affecting another, and
 * memory bounded however many sources fail.
 */
import { describe, expect, it } from 'vitest';
import { SignInAdmission, type SignInLimits, type SignInRefusal, type SignInTicket } from '../src/core/sign-in-admission';

const LIMITS: SignInLimits = { perSource: { capacity: 3, perSecond: 0.5 }, maxTracked: 100, maxWaitingPerSource: 4, maxWaiting: 6 };
const T0 = 1_000_000;

function ticket(result: SignInTicket | SignInRefusal): SignInTicket {
  if (result.kind !== 'ticket') throw new Error(`expected a ticket, got ${JSON.stringify(result)}`);
  return result;
}

/** Whether the promise has settled by now (after the microtasks queued so far). */
async function settled<T>(promise: Promise<T>): Promise<{ done: boolean; value?: T }> {
  const marker = Symbol('pending');
  const value = await Promise.race([promise, new Promise<typeof marker>((resolve) => setImmediate(() => resolve(marker)))]);
  return value === marker ? { done: false } : { done: true, value: value as T };
}

describe('sign-in admission', () => {
  it('refuses a source once its failures are spent, with the seconds until one is back; another source carries on', async () => {
    const admission = new SignInAdmission(LIMITS);
    for (let i = 0; i < 3; i++) ticket(await admission.begin('10.0.0.1', T0)).failed(T0);
    expect(await admission.begin('10.0.0.1', T0)).toEqual({ kind: 'throttled', retryAfterS: 2 });
    ticket(await admission.begin('10.0.0.2', T0)).succeeded(T0);
    // One failure is back after 2 s (0.5 a second).
    ticket(await admission.begin('10.0.0.1', T0 + 2_000)).failed(T0 + 2_000);
    expect((await admission.begin('10.0.0.1', T0 + 2_000)).kind).toBe('throttled');
    expect(admission.load()).toEqual({ sources: 0, waiting: 0 });
  });

  it('never lets a source have more checks in flight than failures left: a burst sent at once cannot outrun the count', async () => {
    const admission = new SignInAdmission(LIMITS);
    const burst = Array.from({ length: 10 }, () => admission.begin('10.0.0.3', T0));
    const now = await Promise.all(burst.slice(0, 3));
    expect(now.map((turn) => turn.kind)).toEqual(['ticket', 'ticket', 'ticket']);
    // 4 wait (the source's queue), the other 3 are refused at once.
    const rest = await Promise.all(burst.slice(3).map((turn) => settled(turn)));
    expect(rest.filter((turn) => !turn.done)).toHaveLength(4);
    expect(rest.filter((turn) => turn.done).map((turn) => turn.value)).toEqual(Array(3).fill({ kind: 'throttled', retryAfterS: 1 }));
    expect(admission.load()).toEqual({ sources: 1, waiting: 4 });
    // All three in flight fail: the budget is spent, so the waiters are refused, not let through.
    for (const turn of now) ticket(turn).failed(T0);
    const waiters = await Promise.all(burst.slice(3, 7));
    expect(waiters.map((turn) => turn.kind)).toEqual(['throttled', 'throttled', 'throttled', 'throttled']);
    expect(admission.load()).toEqual({ sources: 0, waiting: 0 });
  });

  it('lets waiting checks through as checks in flight succeed: many right secrets from one address are slowed, never refused', async () => {
    const admission = new SignInAdmission({ ...LIMITS, maxWaitingPerSource: 20, maxWaiting: 20 });
    const turns = Array.from({ length: 12 }, () => admission.begin('10.0.0.4', T0));
    let granted = 0;
    for (const turn of turns) {
      ticket(await turn).succeeded(T0);
      granted++;
    }
    expect(granted).toBe(12);
    expect(admission.load()).toEqual({ sources: 0, waiting: 0 });
  });

  it('hands a turn on after a failure while failures are left', async () => {
    const admission = new SignInAdmission(LIMITS);
    const first = ticket(await admission.begin('10.0.0.5', T0));
    const second = ticket(await admission.begin('10.0.0.5', T0));
    const third = ticket(await admission.begin('10.0.0.5', T0));
    const waiting = admission.begin('10.0.0.5', T0);
    expect((await settled(waiting)).done).toBe(false);
    first.failed(T0);
    // 2 failures left, 2 in flight: still waiting.
    expect((await settled(waiting)).done).toBe(false);
    second.succeeded(T0);
    ticket(await waiting).succeeded(T0);
    third.succeeded(T0);
    // Ending a ticket twice counts once.
    first.failed(T0);
    expect(admission.load()).toEqual({ sources: 0, waiting: 0 });
    ticket(await admission.begin('10.0.0.5', T0)).failed(T0);
    ticket(await admission.begin('10.0.0.5', T0)).failed(T0);
    expect((await admission.begin('10.0.0.5', T0)).kind).toBe('throttled');
  });

  it('bounds the queue across sources', async () => {
    const admission = new SignInAdmission(LIMITS);
    const held: SignInTicket[] = [];
    const waiting: Array<Promise<SignInTicket | SignInRefusal>> = [];
    for (const source of ['10.1.0.1', '10.1.0.2']) {
      for (let i = 0; i < 3; i++) held.push(ticket(await admission.begin(source, T0)));
      for (let i = 0; i < 3; i++) waiting.push(admission.begin(source, T0));
    }
    expect(admission.load().waiting).toBe(6);
    // A third source with a budget of its own is not queued at all...
    held.push(ticket(await admission.begin('10.1.0.3', T0)));
    // ...while one more check of a busy source is refused: the queue is full.
    expect(await admission.begin('10.1.0.1', T0)).toEqual({ kind: 'throttled', retryAfterS: 1 });
    for (const turn of held) turn.succeeded(T0);
    for (const turn of await Promise.all(waiting)) ticket(turn).succeeded(T0);
  });

  it('forgets the oldest failing sources past maxTracked: memory stays bounded however many addresses fail', async () => {
    const admission = new SignInAdmission({ ...LIMITS, perSource: { capacity: 1, perSecond: 0.001 }, maxTracked: 3 });
    ticket(await admission.begin('10.2.0.0', T0)).failed(T0);
    expect((await admission.begin('10.2.0.0', T0)).kind).toBe('throttled');
    for (let i = 1; i <= 4; i++) ticket(await admission.begin(`10.2.0.${i}`, T0 + i)).failed(T0 + i);
    // The first failing source was forgotten to keep 3: it may try again; the latest may not.
    ticket(await admission.begin('10.2.0.0', T0 + 10)).succeeded(T0 + 10);
    expect((await admission.begin('10.2.0.4', T0 + 10)).kind).toBe('throttled');
    expect(admission.load()).toEqual({ sources: 0, waiting: 0 });
  });
});
