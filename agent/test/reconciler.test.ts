import { describe, expect, it } from 'vitest';
import type { ReleaseManifest } from '@edgefleet/protocol';
import type { DesiredView, Observed, Step } from '@edgefleet/device-core';
import { AgentError } from '../src/errors';
import { silentLogger } from '../src/logger';
import { Reconciler } from '../src/reconciler';
import { makeRelease } from '../../test/fixtures/signing';

const release = (version: string, c: string): ReleaseManifest =>
  makeRelease({ version, releaseCounter: Number(version), artifact: { sha256: c.repeat(64), size: 1, url: 'http://x/a' } });

/** A world of plain data whose executors succeed unless told otherwise. */
function harness(fail: (step: Step, signal: AbortSignal) => AgentError | null | Promise<AgentError | null>) {
  const cached = new Set<string>();
  const observed: Observed & { cached: Set<string> } = { serving: null, candidate: null, cached, retained: [], announcedSeq: null, failedSeq: null };
  let desired: DesiredView | null = null;
  const ran: string[] = [];
  const gaveUp: Array<{ seq: number; code: string }> = [];
  let settledResolve: () => void = () => {};
  let settled = new Promise<void>((r) => (settledResolve = r));
  const reconciler = new Reconciler({
    observe: async () => ({ ...observed, cached: new Set(observed.cached) }),
    desired: () => desired,
    run: async (step, signal) => {
      ran.push(`${step.kind}${'seq' in step ? `@${step.seq}` : ''}`);
      const error = await fail(step, signal);
      if (error) throw error;
      if (step.kind === 'announce') observed.announcedSeq = step.seq;
      if (step.kind === 'download') observed.cached.add(step.release.artifact.sha256);
      if (step.kind === 'load') observed.candidate = { release: step.release, probed: false };
      if (step.kind === 'probe' && observed.candidate) observed.candidate.probed = true;
      if (step.kind === 'discard-candidate') observed.candidate = null;
      if (step.kind === 'activate') [observed.serving, observed.candidate] = [step.release, null];
    },
    giveUp: async (step, error) => {
      observed.failedSeq = step.seq;
      gaveUp.push({ seq: step.seq, code: error.code });
    },
    settled: () => {
      settledResolve();
      settled = new Promise<void>((r) => (settledResolve = r));
    },
    retry: { baseMs: 1, maxMs: 5, maxAttempts: 3 },
    logger: silentLogger,
  });
  return {
    observed,
    ran,
    gaveUp,
    reconciler,
    want(seq: number, r: ReleaseManifest) {
      desired = { seq, release: r, downgrade: false };
      const done = settled;
      reconciler.trigger();
      return done;
    },
  };
}

describe('Reconciler', () => {
  it('runs the plan step by step until it is empty', async () => {
    const h = harness(() => null);
    await h.want(1, release('1', 'a'));
    expect(h.ran).toEqual(['announce@1', 'download@1', 'load@1', 'probe@1', 'activate@1']);
    expect(h.observed.serving?.version).toBe('1');
    await h.reconciler.close();
  });

  it('retries a transient failure with backoff, then succeeds', async () => {
    let failures = 2;
    const h = harness((step) => (step.kind === 'download' && failures-- > 0 ? new AgentError('E_SLOW_RETRIEVAL', 'slow', { transient: true }) : null));
    await h.want(1, release('1', 'a'));
    expect(h.ran.filter((k) => k === 'download@1')).toHaveLength(3);
    expect(h.gaveUp).toEqual([]);
    await h.reconciler.close();
  });

  it('gives up after maxAttempts transient failures, and at once on a permanent one', async () => {
    const h = harness((step) =>
      step.kind === 'download' ? new AgentError('E_LENGTH_MISMATCH', 'short', { transient: true }) : step.kind === 'probe' ? new AgentError('E_PROBE_FAILED', 'bad') : null,
    );
    await h.want(1, release('1', 'a'));
    expect(h.ran.filter((k) => k === 'download@1')).toHaveLength(3);
    expect(h.gaveUp).toEqual([{ seq: 1, code: 'E_LENGTH_MISMATCH' }]);

    h.observed.cached.add('b'.repeat(64));
    await h.want(2, release('2', 'b'));
    expect(h.ran.filter((k) => k === 'probe@2')).toHaveLength(1);
    expect(h.gaveUp.at(-1)).toEqual({ seq: 2, code: 'E_PROBE_FAILED' });
    expect(h.observed.candidate).toBeNull(); // the failed candidate was released
    await h.reconciler.close();
  });

  it('a newer doc aborts the running apply through its signal and the loop converges on it', async () => {
    let downloadStarted: () => void = () => {};
    const started = new Promise<void>((r) => (downloadStarted = r));
    const h = harness((step, signal) => {
      if (step.kind !== 'download' || step.seq !== 1) return null;
      downloadStarted();
      // A download that only ends when it is cancelled.
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve(new AgentError('E_DOWNLOAD_FAILED', 'cancelled', { transient: true }))));
    });
    void h.want(1, release('1', 'a'));
    await started;
    await h.want(2, release('2', 'b'));
    expect(h.observed.serving?.version).toBe('2');
    expect(h.gaveUp).toEqual([]);
    expect(h.ran).toEqual(['announce@1', 'download@1', 'announce@2', 'download@2', 'load@2', 'probe@2', 'activate@2']);
    await h.reconciler.close();
  });

  it('close() cancels a step in flight and resolves', async () => {
    let downloadStarted: () => void = () => {};
    const started = new Promise<void>((r) => (downloadStarted = r));
    const h = harness((step, signal) => {
      if (step.kind !== 'download') return null;
      downloadStarted();
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve(new AgentError('E_DOWNLOAD_FAILED', 'cancelled', { transient: true }))));
    });
    void h.want(1, release('1', 'a'));
    await started;
    await h.reconciler.close();
    expect(h.gaveUp).toEqual([]);
  });
});
