/**
 * Deployment docs name releases by the hash of their manifest envelope (release-ref.ts): the
 * fetched bytes are bound to the signed doc exactly as an inline manifest was (THREATS 11, 14).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  envelopeBytes,
  openReleaseRef,
  releaseRefOf,
  signPayload,
  utf8Encode,
  verifyDeployment,
  type DeploymentContext,
  type Envelope,
  type ReleaseRef,
} from '@edgefleet/protocol';
import { makeDeployment, makeRelease, makeTestTrust, type TestTrust } from '../../test/fixtures/signing';
import { codeOf } from './fixtures';

let t: TestTrust;
let v5: Envelope;
let v6: Envelope;
let ref5: ReleaseRef;
let ref6: ReleaseRef;
/** what "the hub" serves, by hash; `fetched` records every request */
let served: Map<string, Uint8Array>;
let fetched: string[];
let ctx: DeploymentContext;

beforeAll(async () => {
  t = await makeTestTrust();
  v5 = await signPayload(makeRelease({ releaseCounter: 5 }), [t.release]);
  v6 = await signPayload(makeRelease({ releaseCounter: 6, version: '6' }), [t.release]);
  ref5 = await releaseRefOf(v5);
  ref6 = await releaseRefOf(v6);
  served = new Map([
    [ref5.sha256, envelopeBytes(v5)],
    [ref6.sha256, envelopeBytes(v6)],
  ]);
  fetched = [];
  ctx = {
    trust: t.trust,
    deviceId: 'dev-1',
    now: new Date(),
    lastSeq: 3,
    active: null,
    runtime: { version: '1.30.0', maxOpset: 21 },
    fetchRelease: async (ref) => {
      fetched.push(ref.sha256);
      const bytes = served.get(ref.sha256);
      if (!bytes) throw new Error(`no ${ref.sha256}`);
      return bytes;
    },
  };
});

const signedDoc = async (overrides = {}): Promise<Uint8Array> => utf8Encode(JSON.stringify(await signPayload(makeDeployment(v5, { seq: 4, active: ref5, ...overrides }), [t.release])));

describe('release references', () => {
  it('the reference is the SHA-256 and size of one fixed serialisation, whatever the field order it was parsed in', async () => {
    const reordered: Envelope = JSON.parse(JSON.stringify({ signatures: v5.signatures, payload: v5.payload })) as Envelope;
    expect(await releaseRefOf(reordered)).toEqual(ref5);
    expect(ref5.size).toBe(envelopeBytes(v5).length);
    expect(ref5.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a doc naming its release by reference is accepted with the fetched, verified manifest', async () => {
    fetched.length = 0;
    const verdict = await verifyDeployment(await signedDoc({ shadow: ref6 }), ctx);
    expect(verdict.kind).toBe('accept');
    if (verdict.kind !== 'accept') return;
    expect(verdict.release).toMatchObject({ releaseCounter: 5 });
    expect(verdict.envelope).toEqual(v5);
    expect(verdict.shadow).toMatchObject({ kind: 'ok', release: { version: '6' }, envelope: v6 });
    expect(fetched).toEqual([ref5.sha256, ref6.sha256]);
  });

  it('the fallback named by reference is not fetched (the device keeps its own)', async () => {
    fetched.length = 0;
    const verdict = await verifyDeployment(await signedDoc({ active: ref6, previous: ref5 }), ctx);
    expect(verdict).toMatchObject({ kind: 'accept', previous: null });
    expect(fetched).toEqual([ref6.sha256]);
  });

  it('bytes of another release (mix-and-match) are E_HASH_MISMATCH; a wrong length E_LENGTH_MISMATCH; never parsed', async () => {
    expect(await codeOf(openReleaseRef(ref5, envelopeBytes(v6)))).toBe(ref5.size === ref6.size ? 'E_HASH_MISMATCH' : 'E_LENGTH_MISMATCH');
    const sameLength = utf8Encode('x'.repeat(ref5.size));
    expect(await codeOf(openReleaseRef(ref5, sameLength))).toBe('E_HASH_MISMATCH');
    expect(await codeOf(openReleaseRef(ref5, envelopeBytes(v5).subarray(1)))).toBe('E_LENGTH_MISMATCH');
    const lying = { ...ctx, fetchRelease: async () => envelopeBytes(v6) };
    expect(await codeOf(verifyDeployment(await signedDoc(), lying))).toMatch(/E_HASH_MISMATCH|E_LENGTH_MISMATCH/);
  });

  it('a reference whose bytes are signed by nobody trusted is E_SIG_UNTRUSTED, like an inline manifest', async () => {
    const rogue = await makeTestTrust();
    const forged = await signPayload(makeRelease({ releaseCounter: 9 }), [rogue.release]);
    const forgedRef = await releaseRefOf(forged);
    served.set(forgedRef.sha256, envelopeBytes(forged));
    expect(await codeOf(verifyDeployment(await signedDoc({ active: forgedRef }), ctx))).toBe('E_SIG_UNTRUSTED');
  });

  it('a failed fetch propagates as it is (not a refusal: the caller tries again); no fetcher at all is E_SCHEMA', async () => {
    const offline = { ...ctx, fetchRelease: async () => Promise.reject(new Error('ECONNREFUSED')) };
    await expect(verifyDeployment(await signedDoc(), offline)).rejects.toThrow('ECONNREFUSED');
    await expect(verifyDeployment(await signedDoc({ shadow: ref6 }), { ...ctx, fetchRelease: async (ref) => (ref.sha256 === ref6.sha256 ? Promise.reject(new Error('down')) : envelopeBytes(v5)) })).rejects.toThrow('down');
    const { fetchRelease: _none, ...without } = ctx;
    expect(await codeOf(verifyDeployment(await signedDoc(), without))).toBe('E_SCHEMA');
  });

  it('a seq already acted on is ignored before anything is fetched (a reconnect storm fetches nothing)', async () => {
    fetched.length = 0;
    expect(await verifyDeployment(await signedDoc({ seq: 3 }), ctx)).toMatchObject({ kind: 'ignore' });
    expect(fetched).toEqual([]);
  });

  it('the schema refuses references with a bad hash or a size past the cap', async () => {
    for (const active of [{ sha256: 'ABC', size: 10 }, { sha256: ref5.sha256, size: 5 * 1024 * 1024 }, { sha256: ref5.sha256, size: 0 }, { ...ref5, extra: 1 }]) {
      expect(await codeOf(verifyDeployment(await signedDoc({ active }), ctx))).toBe('E_SCHEMA');
    }
  });
});
