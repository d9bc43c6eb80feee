/**
 * Admission for the secrets an outsider can present over HTTP (issue 16 item 5): admin bearer
 * tokens, console sign-ins (a token or a one-time link), session cookies and browser enrolment
 * tokens. It reuses the failure buckets of device logins (core/auth-admission: per source
 * address, IPv6 by its /64, only failures take tokens, bounded memory) and adds what a secret
 * checked with an awaited lookup needs: a source never has more checks in flight than failures
 * it has left. Without that, a thousand wrong guesses sent at once would all pass the bucket
 * before the first of them failed.
 *
 * Successes are never refused for being many: a check beyond the source's budget waits (in a
 * bounded queue) for one in flight to end, and goes on when that one succeeded. Only failures
 * make a source wait longer, then refuse it (`throttled`, with the seconds until its bucket holds
 * a failure again). Each source is counted alone, so a flood from one address never delays a
 * right secret from another.
 *
 * Pure: time comes in as an argument; waiting is a promise the module resolves itself.
 */
import { AuthAdmission, DEFAULT_AUTH_LIMITS } from './auth-admission';
import type { RateLimit } from './publish-admission';

export interface SignInLimits {
  /** failed checks per source address */
  perSource: RateLimit;
  /** sources whose failures are remembered (idle, then the oldest, are forgotten first) */
  maxTracked: number;
  /** checks of one source waiting for a turn */
  maxWaitingPerSource: number;
  /** checks waiting for a turn, all sources together */
  maxWaiting: number;
}

export type SignInRefusal = { kind: 'throttled'; retryAfterS: number };

/** A turn at checking one secret: end it exactly once (later calls do nothing). */
export interface SignInTicket {
  kind: 'ticket';
  /** the secret was right (or no secret was checked): takes nothing from the budget */
  succeeded(nowMs: number): void;
  /** the secret was wrong: counts against the source */
  failed(nowMs: number): void;
}

interface SourceState {
  running: number;
  waiting: Array<(result: SignInTicket | SignInRefusal) => void>;
}

/** Every failure is counted under this one key: there is no account id to count per, only the source. */
const FAILURES_KEY = 'sign-in';

export class SignInAdmission {
  private readonly failures: AuthAdmission;
  /** sources with checks in flight or waiting; deleted when they have none */
  private readonly sources = new Map<string, SourceState>();
  private waitingCount = 0;

  constructor(private readonly limits: SignInLimits) {
    this.failures = new AuthAdmission({
      ...DEFAULT_AUTH_LIMITS,
      perSource: limits.perSource,
      // No per-id rule: the bucket of the one key never empties.
      perDevice: { capacity: Number.POSITIVE_INFINITY, perSecond: 0 },
      maxTracked: limits.maxTracked,
      maxSourcesPerDevice: 1,
    });
  }

  /** Before the secret is looked at: a turn now, a turn once one in flight ends, or a refusal. */
  begin(source: string, nowMs: number): Promise<SignInTicket | SignInRefusal> {
    const refused = this.failures.check(source, FAILURES_KEY, nowMs);
    if (refused) return Promise.resolve({ kind: 'throttled', retryAfterS: refused.retryAfterS });
    const state = this.sources.get(source) ?? { running: 0, waiting: [] };
    if (state.waiting.length === 0 && state.running + 1 <= this.failures.failuresLeft(source, nowMs)) {
      this.sources.set(source, state);
      return Promise.resolve(this.grant(source, state));
    }
    if (state.waiting.length >= this.limits.maxWaitingPerSource || this.waitingCount >= this.limits.maxWaiting) {
      return Promise.resolve({ kind: 'throttled', retryAfterS: 1 });
    }
    this.sources.set(source, state);
    this.waitingCount++;
    return new Promise((resolve) => state.waiting.push(resolve));
  }

  /** For tests and counters: sources with checks in flight or waiting, and how many wait. */
  load(): { sources: number; waiting: number } {
    return { sources: this.sources.size, waiting: this.waitingCount };
  }

  private grant(source: string, state: SourceState): SignInTicket {
    state.running++;
    let ended = false;
    const end = (nowMs: number, failed: boolean): void => {
      if (ended) return;
      ended = true;
      // Counted before the turn is handed on, so the next check sees it.
      if (failed) this.failures.recordFailure(source, FAILURES_KEY, nowMs);
      state.running--;
      this.serve(source, state, nowMs);
    };
    return { kind: 'ticket', succeeded: (nowMs) => end(nowMs, false), failed: (nowMs) => end(nowMs, true) };
  }

  private serve(source: string, state: SourceState, nowMs: number): void {
    while (state.waiting.length > 0) {
      const refused = this.failures.check(source, FAILURES_KEY, nowMs);
      if (refused) {
        // Out of failures: everyone waiting is refused now, not after the checks still running.
        const refusedWaiters = state.waiting.splice(0);
        this.waitingCount -= refusedWaiters.length;
        for (const waiter of refusedWaiters) waiter({ kind: 'throttled', retryAfterS: refused.retryAfterS });
        break;
      }
      if (state.running + 1 > this.failures.failuresLeft(source, nowMs)) break;
      const waiter = state.waiting.shift();
      if (!waiter) break;
      this.waitingCount--;
      waiter(this.grant(source, state));
    }
    if (state.running === 0 && state.waiting.length === 0) this.sources.delete(source);
  }
}
