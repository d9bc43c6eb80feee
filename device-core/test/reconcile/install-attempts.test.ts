/**
 * Install attempts that survive the runtime dying (issue 16, item 2), on the real ReconcileLoop:
 * a load that never returns (the process killed during it) is left behind and the loop started
 * again on the same store, as a restarted agent would be; the start after the allowed ones gives
 * the install up (E_PROBE_FAILED) without running the step again. A load the loop aborts itself
 * (close: a graceful restart) takes its attempt back.
 */
import { describe, expect, it } from 'vitest';
import { DeviceCoreError } from '../../src/errors';
import { abandonAttempt, beginAttempt, finishAttempt, PersistedInstallAttempts, attemptBegunBy, type AttemptRecord, type AttemptStore } from '../../src/reconcile/install-attempts';
import { ReconcileLoop } from '../../src/reconcile/reconcile-loop';
import type { DesiredView, Observed, Step } from '../../src/reconcile/plan';
import { makeRelease } from '../../../test/fixtures/signing';
import { Failure } from '../support/failure';

const v1 = makeRelease({ version: '1', releaseCounter: 1, artifact: { sha256: 'a'.repeat(64), size: 10, url: 'http://hub/artifacts/a' } });
const v2 = makeRelease({ version: '2', releaseCounter: 2, artifact: { sha256: 'b'.repeat(64), size: 10, url: 'http://hub/artifacts/b' } });
const key = { seq: 2, sha256: v2.artifact.sha256, shadow: false };

/** The store a restarted runtime finds again: records in memory, every save kept. */
function memoryStore(): AttemptStore & { saved: AttemptRecord[][] } {
  let records: AttemptRecord[] = [];
  const saved: AttemptRecord[][] = [];
  return {
    saved,
    load: async () => records,
    save: async (next) => {
      records = [...next];
      saved.push(records);
    },
  };
}

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * One life of the runtime: v1 serves, the doc wants v2; `load` runs `onLoad`. An aborted load
 * returns (a runtime that finishes opening the session anyway) or, with `abortThrows`, fails.
 */
function startLoop(store: AttemptStore, onLoad: (step: Step) => Promise<void>, abortThrows = false) {
  const ran: string[] = [];
  const gaveUp: Array<{ step: Step; error: Failure }> = [];
  let failedSeq: number | null = null;
  let serving = v1;
  const cached = new Set([v1.artifact.sha256, v2.artifact.sha256]);
  let candidate: Observed['candidate'] = null;
  const desired: DesiredView = { seq: 2, release: v2, downgrade: false };
  const loop = new ReconcileLoop<Failure>({
    observe: async () => ({ serving, candidate, cached: new Set(cached), retained: [], announcedSeq: 2, failedSeq }),
    desired: () => desired,
    run: async (step, signal) => {
      ran.push(step.kind);
      if (step.kind === 'load') {
        const aborted = new Promise<void>((resolve, reject) =>
          signal.addEventListener('abort', () => (abortThrows ? reject(new Failure('E_LOAD_FAILED', 'load stopped', true)) : resolve())),
        );
        await Promise.race([onLoad(step), aborted]);
        candidate = { release: v2, probed: false };
      }
      if (step.kind === 'probe' && candidate) candidate = { ...candidate, probed: true };
      if (step.kind === 'discard-candidate') candidate = null;
      if (step.kind === 'collect-garbage') for (const sha of [...cached]) if (!step.keep.includes(sha)) cached.delete(sha);
      if (step.kind === 'activate') {
        serving = v2;
        candidate = null;
      }
    },
    giveUp: async (step, error) => {
      gaveUp.push({ step, error });
      failedSeq = step.seq;
    },
    settled: () => {},
    retry: { baseMs: 1, maxMs: 1, maxAttempts: 3 },
    logger: silent,
    errors: { toError: (thrown) => (thrown instanceof Failure ? thrown : thrown instanceof DeviceCoreError ? new Failure(thrown.code, thrown.message) : new Failure('E_OTHER', String(thrown))) },
    sleep: async () => {},
    attempts: new PersistedInstallAttempts(store),
  });
  return { loop, ran, gaveUp };
}

describe('install attempts', () => {
  it('keep the current doc only, count per release and shadow, and forget one that passed', () => {
    let records = beginAttempt([{ seq: 1, sha256: 'x'.repeat(64), shadow: false, begun: 3 }], key).records;
    expect(records).toEqual([{ ...key, begun: 1 }]);
    records = beginAttempt(records, key).records;
    const shadow = beginAttempt(records, { ...key, shadow: true });
    expect(shadow.begun).toBe(1);
    expect(shadow.records).toEqual([{ ...key, begun: 2 }, { ...key, shadow: true, begun: 1 }]);
    expect(finishAttempt(shadow.records, key)).toEqual([{ ...key, shadow: true, begun: 1 }]);
    expect(abandonAttempt(shadow.records, key)).toEqual([{ ...key, begun: 1 }, { ...key, shadow: true, begun: 1 }]);
    expect(abandonAttempt(shadow.records, { ...key, shadow: true })).toEqual([{ ...key, begun: 2 }]);
    expect(attemptBegunBy({ kind: 'load', seq: 2, release: v2 })).toEqual(key);
    expect(attemptBegunBy({ kind: 'share-serving-shadow', seq: 2, release: v2 })).toEqual({ ...key, shadow: true });
    expect(attemptBegunBy({ kind: 'download', seq: 2, release: v2 })).toBeNull();
  });

  it('a runtime killed during every load gives up at the start after the allowed three, without loading again', async () => {
    const store = memoryStore();
    for (let life = 1; life <= 3; life++) {
      let loading!: () => void;
      const started = new Promise<void>((resolve) => (loading = resolve));
      // The load never returns: the process "dies" in it (the loop is left behind, nothing of it runs again).
      const { gaveUp } = startLoop(store, async () => {
        loading();
        await new Promise(() => {});
      });
      await started;
      // Counted and stored before the step ran.
      expect(await store.load()).toEqual([{ ...key, begun: life }]);
      expect(gaveUp).toEqual([]);
    }
    const last = startLoop(store, async () => {
      throw new Error('must not load again');
    });
    await expect.poll(() => last.gaveUp.length).toBe(1);
    await last.loop.close();
    expect(last.ran).not.toContain('load');
    const [given] = last.gaveUp;
    expect(given?.step.kind).toBe('load');
    expect(given?.error.code).toBe('E_PROBE_FAILED');
    expect(given?.error.message).toBe('vad@2: loading and probing it was started 3 times without finishing (the device runtime stopped during them: out of memory?); given up');
    expect(given?.error.transient).toBe(false);
  });

  it.each([false, true])('a load stopped by a graceful restart is not counted: more restarts than attempts allowed, then the model installs (the aborted load fails: %s)', async (abortThrows) => {
    const store = memoryStore();
    for (let life = 1; life <= 4; life++) {
      let loading!: () => void;
      const started = new Promise<void>((resolve) => (loading = resolve));
      const { loop, gaveUp } = startLoop(
        store,
        async () => {
          loading();
          await new Promise(() => {});
        },
        abortThrows,
      );
      await started;
      expect(await store.load()).toEqual([{ ...key, begun: 1 }]);
      // close() aborts the load: the runtime did not die in it.
      await loop.close();
      expect(await store.load()).toEqual([]);
      expect(gaveUp).toEqual([]);
    }
    const last = startLoop(store, async () => {});
    await expect.poll(() => last.ran.includes('activate')).toBe(true);
    await last.loop.close();
    expect(last.gaveUp).toEqual([]);
  });

  it('a graceful restart takes back only its own attempt: a start the runtime died in stays counted', async () => {
    const store = memoryStore();
    const hang = (started: () => void) => async () => {
      started();
      await new Promise(() => {});
    };
    let died!: () => void;
    const diedStarted = new Promise<void>((resolve) => (died = resolve));
    startLoop(store, hang(died));
    await diedStarted;
    let stopped!: () => void;
    const stoppedStarted = new Promise<void>((resolve) => (stopped = resolve));
    const graceful = startLoop(store, hang(stopped));
    await stoppedStarted;
    expect(await store.load()).toEqual([{ ...key, begun: 2 }]);
    await graceful.loop.close();
    expect(await store.load()).toEqual([{ ...key, begun: 1 }]);
  });

  it('a probe that passes forgets the attempt: later restarts start from zero', async () => {
    const store = memoryStore();
    const { loop, ran } = startLoop(store, async () => {});
    await expect.poll(() => ran.includes('activate')).toBe(true);
    await loop.close();
    expect(await store.load()).toEqual([]);
    expect(store.saved.map((records) => records.map((record) => record.begun))).toEqual([[1], []]);
  });
});
