/**
 * A doc waiting for its release manifest (the hub out of reach) is tried again later, but never
 * after a newer doc was taken: the retry would report E_ROLLBACK for a doc the hub replaced,
 * which a hub restart under load produced (test/e2e/hub-crash.test.ts). The same holds for a doc
 * that waited on the hub's trust chain (E_SIG_UNTRUSTED) while a newer doc came: it is neither
 * retried nor held back for the next rotation.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTrustDoc, envelopeBytes, generateSigningKey, releaseRefOf, signPayload, signTrustDoc, type Envelope, type ReportedError, type SigningKey } from '@edgefleet/protocol';
import { DeploymentDocs, emptyPersistedState, type PersistedState, type TrustState } from '../../src/index';
import { makeDeployment, makeRelease } from '../../../test/fixtures/signing';
import { Failure } from '../support/failure';

/** Trust versions 1 and 2 by one root key: version 1 names release key `release`, version 2 `rotated`. */
let release: SigningKey;
let rotated: SigningKey;
let trust: TrustState;
let trustV2: Envelope;

beforeAll(async () => {
  const root = (await generateSigningKey()).key;
  release = (await generateSigningKey()).key;
  rotated = (await generateSigningKey()).key;
  const expires = new Date(Date.now() + 86_400_000);
  const doc = buildTrustDoc({ version: 1, expires, rootKeys: [root], releaseKeys: [release] });
  trust = { kind: 'pinned', doc, envelope: await signTrustDoc(doc, [root]) };
  trustV2 = await signTrustDoc(buildTrustDoc({ version: 2, expires, rootKeys: [root], releaseKeys: [rotated] }), [root]);
});

/** A promise the test settles, and one that resolves once the code under test asked for it. */
function gate<T>() {
  let settle: { resolve: (value: T) => void; reject: (error: unknown) => void } = { resolve: () => undefined, reject: () => undefined };
  let asked: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (asked = resolve));
  const wait = () => {
    asked();
    return new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
  };
  return { wait, started, resolve: (value: T) => settle.resolve(value), reject: (error: unknown) => settle.reject(error) };
}

/** A device trusting version 1, whose timers run only when the test runs `scheduled`. */
function device(hub: { fetchRelease: () => Promise<Uint8Array>; fetchTrust?: (version: number) => Promise<Uint8Array | null> }) {
  let persisted: PersistedState = { ...emptyPersistedState(), trustPinned: true };
  const reported: ReportedError[] = [];
  const scheduled: Array<() => void> = [];
  const state = {
    get persisted() {
      return persisted;
    },
    trust,
    update: async (change: (current: PersistedState) => PersistedState) => void (persisted = change(persisted)),
    setError: (error: ReportedError | null) => void (error && reported.push(error)),
    emit: () => undefined,
    report: () => undefined,
    checkStale: () => undefined,
  };
  const docs = new DeploymentDocs<Failure>({
    state,
    saveTrust: async () => undefined,
    deviceId: 'dev-1',
    now: () => new Date(),
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    runtime: { version: '1.30.0', maxOpset: 99 },
    onAccepted: () => undefined,
    fetchRelease: hub.fetchRelease,
    ...(hub.fetchTrust ? { fetchTrust: hub.fetchTrust } : {}),
    retry: { baseMs: 10, maxMs: 10 },
    errors: {
      toError: (thrown, fallback) => (thrown instanceof Failure ? thrown : new Failure(typeof thrown === 'object' && thrown !== null && 'code' in thrown ? String(thrown.code) : fallback, String(thrown))),
      reportable: (error) => ({ code: error.code as ReportedError['code'], message: error.message }),
    },
    schedule: (fn) => {
      scheduled.push(fn);
      return () => {
        // Already run (taken off by the test) or cancelled before: nothing else is removed.
        const at = scheduled.indexOf(fn);
        if (at >= 0) scheduled.splice(at, 1);
      };
    },
  });
  return { docs, state, reported, scheduled, persisted: () => persisted };
}

const hubUnreachable = () => new Failure('E_DOWNLOAD_FAILED', 'hub unreachable', true);

async function deployment(key: SigningKey, seq: number, byRef: boolean): Promise<Uint8Array> {
  const manifest = await signPayload(makeRelease(), [key]);
  const doc = makeDeployment(manifest, { seq });
  return envelopeBytes(await signPayload(byRef ? { ...doc, active: await releaseRefOf(manifest) } : doc, [key]));
}

describe('a deployment doc waiting for its manifest', () => {
  it('is not tried again once a newer doc arrived, even when its fetch fails after that', async () => {
    // The hub goes away while the manifest of seq 3 is being fetched.
    const manifestFetch = gate<Uint8Array>();
    const d = device({ fetchRelease: manifestFetch.wait });
    const third = d.docs.desired(await deployment(release, 3, true));
    await manifestFetch.started;
    const fourth = d.docs.desired(await deployment(release, 4, false));
    manifestFetch.reject(hubUnreachable());
    await third;
    await fourth;
    expect(d.persisted().lastSeq).toBe(4);
    for (const run of d.scheduled.splice(0)) run();
    await d.docs.idle();
    expect(d.reported).toEqual([]);
    expect(d.persisted().lastSeq).toBe(4);
  });

  it('is not tried again when a newer doc arrived while it waited on the trust chain', async () => {
    // Seq 3 is signed under trust version 2: the device walks the chain; meanwhile seq 4 comes.
    const trustFetch = gate<Uint8Array | null>();
    const d = device({
      fetchRelease: () => Promise.reject(hubUnreachable()),
      fetchTrust: (version) => (version === 2 ? trustFetch.wait() : Promise.resolve(null)),
    });
    const third = d.docs.desired(await deployment(rotated, 3, true));
    await trustFetch.started;
    const fourth = d.docs.desired(await deployment(rotated, 4, false));
    // The walk brings version 2, seq 3 is judged again and its manifest cannot be fetched.
    trustFetch.resolve(envelopeBytes(trustV2));
    await third;
    await fourth;
    expect(d.state.trust.kind === 'pinned' && d.state.trust.doc.version).toBe(2);
    expect(d.persisted().lastSeq).toBe(4);
    expect(d.scheduled).toHaveLength(0);
    for (const run of d.scheduled.splice(0)) run();
    await d.docs.idle();
    expect(d.reported).toEqual([]);
  });

  it('is not held back for the next rotation when a newer doc arrived while it waited on the trust chain', async () => {
    // Seq 3 is signed by a key the hub does not have yet; seq 4, signed by the pinned key, comes meanwhile.
    const trustFetch = gate<Uint8Array | null>();
    const d = device({ fetchRelease: () => Promise.reject(hubUnreachable()), fetchTrust: () => trustFetch.wait() });
    const third = d.docs.desired(await deployment(rotated, 3, false));
    await trustFetch.started;
    const fourth = d.docs.desired(await deployment(release, 4, false));
    trustFetch.resolve(null);
    await third;
    await fourth;
    expect(d.persisted().lastSeq).toBe(4);
    expect(d.reported.map((error) => error.code)).toEqual(['E_SIG_UNTRUSTED']);
    // The rotation that brings seq 3's key does not judge the superseded doc again (E_ROLLBACK).
    await d.docs.trust(envelopeBytes(trustV2));
    expect(d.state.trust.kind === 'pinned' && d.state.trust.doc.version).toBe(2);
    expect(d.reported.map((error) => error.code)).toEqual(['E_SIG_UNTRUSTED']);
    expect(d.persisted().lastSeq).toBe(4);
  });
});
