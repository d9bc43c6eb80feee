/**
 * A doc waiting for its release manifest (the hub out of reach) is tried again later, but never
 * after a newer doc was taken: the retry would report E_ROLLBACK for a doc the hub replaced,
 * which a hub restart under load produced (test/e2e/hub-crash.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTrustDoc, envelopeBytes, generateSigningKey, releaseRefOf, signPayload, signTrustDoc, type ReportedError, type SigningKey } from '@edgefleet/protocol';
import { DeploymentDocs, emptyPersistedState, type PersistedState, type RuntimeFailure, type TrustState } from '../../src/index';
import { makeDeployment, makeRelease } from '../../../test/fixtures/signing';

class Failure extends Error implements RuntimeFailure {
  constructor(
    readonly code: string,
    message: string,
    readonly transient = false,
  ) {
    super(message);
  }
}

let release: SigningKey;
let trust: TrustState;

beforeAll(async () => {
  const root = (await generateSigningKey()).key;
  release = (await generateSigningKey()).key;
  const doc = buildTrustDoc({ version: 1, expires: new Date(Date.now() + 86_400_000), rootKeys: [root], releaseKeys: [release] });
  trust = { kind: 'pinned', doc, envelope: await signTrustDoc(doc, [root]) };
});

describe('a deployment doc waiting for its manifest', () => {
  it('is not tried again once a newer doc arrived, even when its fetch fails after that', async () => {
    let persisted: PersistedState = { ...emptyPersistedState(), trustPinned: true };
    const reported: ReportedError[] = [];
    const scheduled: Array<() => void> = [];
    let failFetch: (error: Failure) => void = () => undefined;
    let fetchStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (fetchStarted = resolve));
    const docs = new DeploymentDocs<Failure>({
      state: {
        get persisted() {
          return persisted;
        },
        trust,
        update: async (change) => void (persisted = change(persisted)),
        setError: (error) => void (error && reported.push(error)),
        emit: () => undefined,
        report: () => undefined,
        checkStale: () => undefined,
      },
      saveTrust: async () => undefined,
      deviceId: 'dev-1',
      now: () => new Date(),
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
      runtime: { version: '1.30.0', maxOpset: 99 },
      onAccepted: () => undefined,
      // The hub goes away while the manifest of seq 3 is being fetched.
      fetchRelease: () =>
        new Promise<Uint8Array>((_, reject) => {
          failFetch = reject;
          fetchStarted();
        }),
      retry: { baseMs: 10, maxMs: 10 },
      errors: {
        toError: (thrown, fallback) => (thrown instanceof Failure ? thrown : new Failure(typeof thrown === 'object' && thrown !== null && 'code' in thrown ? String(thrown.code) : fallback, String(thrown))),
        reportable: (error) => ({ code: error.code as ReportedError['code'], message: error.message }),
      },
      // Timers run when the test says: whatever was scheduled is run below.
      schedule: (fn) => {
        scheduled.push(fn);
        return () => scheduled.splice(scheduled.indexOf(fn), 1);
      },
    });
    const manifest = await signPayload(makeRelease(), [release]);
    const byRef = envelopeBytes(await signPayload({ ...makeDeployment(manifest, { seq: 3 }), active: await releaseRefOf(manifest) }, [release]));
    const inline = envelopeBytes(await signPayload(makeDeployment(manifest, { seq: 4 }), [release]));

    const third = docs.desired(byRef);
    await started;
    const fourth = docs.desired(inline);
    failFetch(new Failure('E_DOWNLOAD_FAILED', 'hub unreachable', true));
    await third;
    await fourth;
    expect(persisted.lastSeq).toBe(4);
    for (const run of scheduled.splice(0)) run();
    await docs.idle();
    expect(reported).toEqual([]);
    expect(persisted.lastSeq).toBe(4);
  });
});
