/**
 * Walking the hub's trust chain (trust-walk.ts) and following it from deployment docs and the
 * trust topic (trust-follower.ts through DeploymentDocs): steps of at most `cap` versions, each
 * pinned whole or not at all; a gap, a wrong signer or too few signatures are E_ROOT_CHAIN and
 * change nothing pinned; expiry counts on the last version only; a doc refused E_SIG_UNTRUSTED
 * makes the device ask the hub once, and is judged again after a rotation brings its key.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTrustDoc, envelopeBytes, generateSigningKey, signPayload, signTrustDoc, type Envelope, type ReportedError, type SigningKey, type TrustDoc } from '@edgefleet/protocol';
import { DeploymentDocs, emptyPersistedState, walkTrustChain, type PersistedState, type PinnedTrust, type TrustState } from '../../src/index';
import { makeDeployment, makeRelease } from '../../../test/fixtures/signing';
import { Failure } from '../support/failure';

const DAY = 86_400_000;
let root: SigningKey;
let releases: SigningKey[];
/** versions 1..40 by the same root key; version v names release key releases[v % 3] */
const chain: Envelope[] = [];
const docs: TrustDoc[] = [];

beforeAll(async () => {
  root = (await generateSigningKey()).key;
  releases = [(await generateSigningKey()).key, (await generateSigningKey()).key, (await generateSigningKey()).key];
  for (let version = 1; version <= 40; version++) {
    // Versions 2..9 expired long ago: a walk passes through them.
    const expires = new Date(Date.now() + (version >= 2 && version <= 9 ? -100 * DAY : 365 * DAY));
    const doc = buildTrustDoc({ version, expires, rootKeys: [root], releaseKeys: [releases[version % 3] as SigningKey] });
    docs[version] = doc;
    chain[version] = await signTrustDoc(doc, [root]);
  }
});

const pinnedAt = (version: number): PinnedTrust => ({ kind: 'pinned', doc: docs[version] as TrustDoc, envelope: chain[version] as Envelope });
const hubHaving = (newest: number, fetched: number[] = []) => async (version: number): Promise<Uint8Array | null> => {
  fetched.push(version);
  return version <= newest ? envelopeBytes(chain[version] as Envelope) : null;
};

describe('walkTrustChain', () => {
  it('walks to the newest version the hub has, in steps of the cap, pinning each step', async () => {
    const pins: number[] = [];
    const fetched: number[] = [];
    const end = await walkTrustChain({ from: pinnedAt(1), fetch: hubHaving(40, fetched), target: null, now: new Date(), cap: 16, pin: async (next) => void pins.push(next.doc.version) });
    expect(end.doc.version).toBe(40);
    expect(pins).toEqual([17, 33, 40]);
    // Each version fetched once, and one past the newest to learn it was the newest.
    expect(fetched).toEqual(Array.from({ length: 40 }, (_, i) => i + 2));
  });

  it('ends on a target in hand, fetching only the versions below it', async () => {
    const fetched: number[] = [];
    const end = await walkTrustChain({ from: pinnedAt(10), fetch: hubHaving(40, fetched), target: { version: 14, bytes: envelopeBytes(chain[14] as Envelope) }, now: new Date(), pin: async () => undefined });
    expect(end.doc.version).toBe(14);
    expect(fetched).toEqual([11, 12, 13]);
  });

  it('returns the pinned trust itself when the hub has nothing newer', async () => {
    const from = pinnedAt(40);
    expect(await walkTrustChain({ from, fetch: hubHaving(40), target: null, now: new Date(), pin: async () => expect.unreachable() })).toBe(from);
  });

  it('refuses a gap below the target, a version signed by another root, and an expired last version, pinning nothing', async () => {
    const pin = async () => expect.unreachable();
    const gap = walkTrustChain({ from: pinnedAt(10), fetch: hubHaving(11), target: { version: 14, bytes: envelopeBytes(chain[14] as Envelope) }, now: new Date(), pin });
    await expect(gap).rejects.toMatchObject({ code: 'E_ROOT_CHAIN', message: expect.stringContaining('the hub has no version 12') });

    const stranger = (await generateSigningKey()).key;
    const forged = await signTrustDoc(buildTrustDoc({ version: 12, expires: new Date(Date.now() + DAY), rootKeys: [stranger], releaseKeys: [stranger] }), [stranger]);
    const fetch = async (version: number) => (version === 12 ? envelopeBytes(forged) : hubHaving(40)(version));
    await expect(walkTrustChain({ from: pinnedAt(10), fetch, target: null, now: new Date(), pin })).rejects.toMatchObject({ code: 'E_ROOT_CHAIN' });

    // Versions 2..9 have expired: walking through them is fine, ending on one is not.
    await expect(walkTrustChain({ from: pinnedAt(1), fetch: hubHaving(9), target: null, now: new Date(), pin })).rejects.toMatchObject({ code: 'E_EXPIRED' });
  });
});

/** A device's docs handler with a hub holding trust versions up to `hubNewest` (`serve` answers instead when given). */
function device(pinned: number, hubNewest: { value: number }, serve?: (version: number) => Uint8Array | null) {
  let persisted: PersistedState = { ...emptyPersistedState(), trustPinned: true };
  const reported: ReportedError[] = [];
  const saved: number[] = [];
  const fetches: number[] = [];
  const state = {
    get persisted() {
      return persisted;
    },
    trust: pinnedAt(pinned) as TrustState,
    update: async (change: (current: PersistedState) => PersistedState) => void (persisted = change(persisted)),
    setError: (error: ReportedError | null) => void (error && reported.push(error)),
    emit: () => undefined,
    report: () => undefined,
    checkStale: () => undefined,
  };
  const docsHandler = new DeploymentDocs<Failure>({
    state,
    saveTrust: async (envelope) => void saved.push(JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(envelope.payload), (c) => c.charCodeAt(0)))).version),
    deviceId: 'dev-1',
    now: () => new Date(),
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    runtime: { version: '1.0.0', maxOpset: 99 },
    onAccepted: () => undefined,
    fetchRelease: async () => {
      throw new Failure('E_DOWNLOAD_FAILED', 'no manifests here', true);
    },
    fetchTrust: async (version) => {
      fetches.push(version);
      if (serve) return serve(version);
      return version <= hubNewest.value ? envelopeBytes(chain[version] as Envelope) : null;
    },
    retry: { baseMs: 10, maxMs: 10 },
    errors: {
      toError: (thrown, fallback) => (thrown instanceof Failure ? thrown : new Failure(typeof thrown === 'object' && thrown !== null && 'code' in thrown ? String(thrown.code) : fallback, thrown instanceof Error ? thrown.message : String(thrown))),
      reportable: (error) => ({ code: error.code as ReportedError['code'], message: error.message }),
    },
    schedule: (fn, ms) => {
      const timer = setTimeout(fn, ms);
      return () => clearTimeout(timer);
    },
  });
  return { docs: docsHandler, state, reported, saved, fetches, persisted: () => persisted };
}

/** A deployment doc (seq) signed by the release key trust version `version` names. */
async function docSignedUnder(version: number, seq: number): Promise<Uint8Array> {
  const key = releases[version % 3] as SigningKey;
  const release = await signPayload(makeRelease(), [key]);
  return envelopeBytes(await signPayload(makeDeployment(release, { device: 'dev-1', seq }), [key]));
}

describe('following the chain (DeploymentDocs with fetchTrust)', () => {
  it('a doc signed under a newer version: walks the hub chain, then accepts the doc', async () => {
    const d = device(10, { value: 12 });
    await d.docs.desired(await docSignedUnder(12, 1));
    expect(d.state.trust.kind === 'pinned' && d.state.trust.doc.version).toBe(12);
    expect(d.saved).toEqual([12]);
    expect(d.persisted().lastSeq).toBe(1);
    expect(d.reported).toEqual([]);
  });

  it('a doc signed by a key no version names: E_SIG_UNTRUSTED after one look; further ones do not ask the hub again for a while', async () => {
    const d = device(12, { value: 12 });
    const stranger = (await generateSigningKey()).key;
    const forged = envelopeBytes(await signPayload(makeDeployment(await signPayload(makeRelease(), [stranger]), { device: 'dev-1', seq: 5 }), [stranger]));
    await d.docs.desired(forged);
    await d.docs.desired(forged);
    expect(d.reported.map((e) => e.code)).toEqual(['E_SIG_UNTRUSTED', 'E_SIG_UNTRUSTED']);
    expect(d.fetches).toEqual([13]);
    expect(d.state.trust.kind === 'pinned' && d.state.trust.doc.version).toBe(12);
  });

  it('a doc held back as E_SIG_UNTRUSTED is judged again once the trust topic brings its key', async () => {
    const hub = { value: 12 };
    const d = device(12, hub);
    await d.docs.desired(await docSignedUnder(14, 2));
    expect(d.reported.map((e) => e.code)).toEqual(['E_SIG_UNTRUSTED']);
    hub.value = 14;
    await d.docs.trust(envelopeBytes(chain[14] as Envelope));
    expect(d.state.trust.kind === 'pinned' && d.state.trust.doc.version).toBe(14);
    expect(d.persisted().lastSeq).toBe(2);
  });

  it('a doc whose key sends the device to a chain it refuses: it reports the E_ROOT_CHAIN, not E_SIG_UNTRUSTED after it', async () => {
    const stranger = (await generateSigningKey()).key;
    const forged = envelopeBytes(await signTrustDoc(buildTrustDoc({ version: 11, expires: new Date(Date.now() + DAY), rootKeys: [stranger], releaseKeys: [stranger] }), [stranger]));
    const d = device(10, { value: 10 }, (version) => (version === 11 ? forged : null));
    await d.docs.desired(await docSignedUnder(12, 1));
    expect(d.reported.map((e) => e.code)).toEqual(['E_ROOT_CHAIN']);
    expect(d.saved).toEqual([]);
    expect(d.state.trust.kind === 'pinned' && d.state.trust.doc.version).toBe(10);
  });

  it('a trust message further ahead than the hub can prove is E_ROOT_CHAIN; nothing pinned changes', async () => {
    const d = device(20, { value: 21 });
    await d.docs.trust(envelopeBytes(chain[25] as Envelope));
    expect(d.reported.map((e) => e.code)).toEqual(['E_ROOT_CHAIN']);
    expect(d.saved).toEqual([]);
    expect(d.state.trust.kind === 'pinned' && d.state.trust.doc.version).toBe(20);
  });
});
