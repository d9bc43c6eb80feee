import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildTrustDoc,
  decodeMessage,
  fromBase64,
  generateSigningKey,
  reportedStateSchema,
  signBytes,
  signPayload,
  signTrustDoc,
  toBase64,
  utf8Encode,
  verifyDeployment,
  verifyInitialTrust,
  verifyRelease,
  verifyTrustUpdate,
  type DeploymentContext,
  type Envelope,
  type SigningKey,
} from '@edgefleet/protocol';
import { makeDeployment, makeRelease, makeTestTrust, type TestTrust } from '../../test/fixtures/signing';
import { codeOf } from './fixtures';

let t: TestTrust;
let releaseEnvelope: Envelope;
let ctx: DeploymentContext;

beforeAll(async () => {
  t = await makeTestTrust();
  releaseEnvelope = await signPayload(makeRelease({ releaseCounter: 5 }), [t.release]);
  ctx = { trust: t.trust, deviceId: 'dev-1', now: new Date(), lastSeq: 3, active: null, runtime: { version: '1.30.0', maxOpset: 21 } };
});

const deployment = (overrides = {}) => makeDeployment(releaseEnvelope, { seq: 4, ...overrides });

describe('verifyDeployment', () => {
  it('accepts a valid doc and returns the verified release', async () => {
    const verdict = await verifyDeployment(utf8Encode(JSON.stringify(await signPayload(deployment(), [t.release]))), ctx);
    expect(verdict.kind).toBe('accept');
    if (verdict.kind === 'accept') {
      expect(verdict.release.releaseCounter).toBe(5);
      expect(verdict.downgrade).toBe(false);
    }
  });

  it('E_BAD_JSON for bytes that are not JSON, E_SCHEMA for a wrong envelope', async () => {
    expect(await codeOf(verifyDeployment(utf8Encode('{nope'), ctx))).toBe('E_BAD_JSON');
    expect(await codeOf(verifyDeployment(utf8Encode('{"payload":"eA=="}'), ctx))).toBe('E_SCHEMA');
    expect(await codeOf(verifyDeployment(new Uint8Array([0xff, 0xfe]), ctx))).toBe('E_BAD_JSON');
  });

  it('(verifier rule, threat row 2) a flipped payload byte or re-serialised JSON is E_SIG_INVALID', async () => {
    const envelope = await signPayload(deployment(), [t.release]);
    const bytes = fromBase64(envelope.payload)!;
    bytes[10] = (bytes[10]! ^ 0x01) & 0x7f;
    expect(await codeOf(verifyDeployment({ ...envelope, payload: toBase64(bytes) }, ctx))).toBe('E_SIG_INVALID');
    const pretty = utf8Encode(JSON.stringify(deployment(), null, 2));
    expect(await codeOf(verifyDeployment({ ...envelope, payload: toBase64(pretty) }, ctx))).toBe('E_SIG_INVALID');
  });

  it('(verifier rule, threat row 3) unknown key and root key in the release role are E_SIG_UNTRUSTED', async () => {
    const stranger = (await generateSigningKey()).key;
    expect(await codeOf(verifyDeployment(await signPayload(deployment(), [stranger]), ctx))).toBe('E_SIG_UNTRUSTED');
    expect(await codeOf(verifyDeployment(await signPayload(deployment(), [t.root]), ctx))).toBe('E_SIG_UNTRUSTED');
  });

  it('(verifier rule, threat row 4) threshold games', async () => {
    const second = (await generateSigningKey()).key;
    const twoOfTwo = buildTrustDoc({ version: 1, expires: new Date(Date.now() + 1e9), rootKeys: [t.root], releaseKeys: [t.release, second], releaseThreshold: 2 });
    const strict = { ...ctx, trust: twoOfTwo };
    const rel = await signPayload(makeRelease({ releaseCounter: 5 }), [t.release, second]);
    const doc = makeDeployment(rel, { seq: 4 });
    expect(await codeOf(verifyDeployment(await signPayload(doc, [t.release]), strict))).toBe('E_SIG_UNTRUSTED');
    const once = await signPayload(doc, [t.release]);
    const twice: Envelope = { ...once, signatures: [once.signatures[0]!, once.signatures[0]!] };
    expect(await codeOf(verifyDeployment(twice, strict))).toBe('E_SIG_UNTRUSTED');
    const listedTwice = { ...twoOfTwo, roles: { ...twoOfTwo.roles, release: { keyids: [t.release.keyid, t.release.keyid], threshold: 1 } } };
    expect(await codeOf(verifyDeployment(twice, { ...ctx, trust: listedTwice }))).toBe('ok');
    expect(await codeOf(verifyDeployment(await signPayload(doc, [t.release, second]), strict))).toBe('ok');
    const garbage: Envelope = { ...once, signatures: [...once.signatures, { keyid: second.keyid, sig: toBase64(new Uint8Array(64)) }] };
    expect(await codeOf(verifyDeployment(garbage, ctx))).toBe('ok');
  });

  it('(verifier rule, threat row 5) a validly signed release delivered as a deployment is E_WRONG_TYPE', async () => {
    expect(await codeOf(verifyDeployment(releaseEnvelope, ctx))).toBe('E_WRONG_TYPE');
  });

  it('(verifier rule, threat row 6) an expired doc is E_EXPIRED, a newer valid one still passes', async () => {
    const expired = await signPayload(deployment({ expires: new Date(ctx.now.getTime() - 1000).toISOString() }), [t.release]);
    expect(await codeOf(verifyDeployment(expired, ctx))).toBe('E_EXPIRED');
    expect(await codeOf(verifyDeployment(await signPayload(deployment({ seq: 5 }), [t.release]), ctx))).toBe('ok');
  });

  it('(verifier rule, threat row 7) older seq is E_ROLLBACK, same seq is ignored', async () => {
    expect(await codeOf(verifyDeployment(await signPayload(deployment({ seq: 2 }), [t.release]), ctx))).toBe('E_ROLLBACK');
    const same = await verifyDeployment(await signPayload(deployment({ seq: 3, statsIntervalS: 5 }), [t.release]), ctx);
    expect(same.kind).toBe('ignore');
  });

  it('(verifier rule, threat row 8) a lower releaseCounter needs allowDowngrade', async () => {
    const active = { model: 'vad', releaseCounter: 9 };
    const doc = await signPayload(deployment(), [t.release]);
    expect(await codeOf(verifyDeployment(doc, { ...ctx, active }))).toBe('E_DOWNGRADE_NOT_AUTHORIZED');
    const allowed = await verifyDeployment(await signPayload(deployment({ allowDowngrade: true }), [t.release]), { ...ctx, active });
    expect(allowed.kind === 'accept' && allowed.downgrade).toBe(true);
    expect(await codeOf(verifyDeployment(doc, { ...ctx, active: { model: 'other', releaseCounter: 9 } }))).toBe('ok');
  });

  it.each([Number.MAX_SAFE_INTEGER, -1, 4.5, 0])('(verifier rule, threat row 9) seq %d is a schema error', async (seq) => {
    expect(await codeOf(verifyDeployment(await signPayload(deployment({ seq }), [t.release]), ctx))).toBe('E_SCHEMA');
  });

  it('(verifier rule, threat row 11) the signature of doc A on the payload of doc B is E_SIG_INVALID', async () => {
    const a = await signPayload(deployment({ seq: 10 }), [t.release]);
    const b = await signPayload(deployment({ seq: 11 }), [t.release]);
    expect(await codeOf(verifyDeployment({ payload: b.payload, signatures: a.signatures }, ctx))).toBe('E_SIG_INVALID');
  });

  it('(verifier rule, threat row 12) another device is E_NOT_FOR_DEVICE; a newer opset or runtime is E_INCOMPATIBLE', async () => {
    expect(await codeOf(verifyDeployment(await signPayload(deployment({ device: 'dev-2' }), [t.release]), ctx))).toBe('E_NOT_FOR_DEVICE');
    const futureRelease = await signPayload(makeRelease({ compat: { opset: 99 } }), [t.release]);
    expect(await codeOf(verifyDeployment(await signPayload(makeDeployment(futureRelease, { seq: 4 }), [t.release]), ctx))).toBe('E_INCOMPATIBLE');
    const newRuntime = await signPayload(makeRelease({ compat: { minRuntime: '2.0.0' } }), [t.release]);
    expect(await codeOf(verifyDeployment(await signPayload(makeDeployment(newRuntime, { seq: 4 }), [t.release]), ctx))).toBe('E_INCOMPATIBLE');
  });

  it('rejects an embedded release signed by an untrusted key', async () => {
    const stranger = (await generateSigningKey()).key;
    const foreign = await signPayload(makeRelease(), [stranger]);
    expect(await codeOf(verifyDeployment(await signPayload(makeDeployment(foreign, { seq: 4 }), [t.release]), ctx))).toBe('E_SIG_UNTRUSTED');
  });

  describe('a shadow candidate', () => {
    const shadowDoc = async (shadow: Envelope, overrides = {}) => signPayload(deployment({ shadow, ...overrides }), [t.release]);
    const shadowOf = async (envelope: Envelope, context = ctx) => {
      const verdict = await verifyDeployment(envelope, context);
      if (verdict.kind !== 'accept') throw new Error('doc not accepted');
      return verdict.shadow;
    };

    it('is verified like active and returned with the accepted doc; none gives null', async () => {
      const candidate = await signPayload(makeRelease({ version: '6', releaseCounter: 6 }), [t.release]);
      expect(await shadowOf(await shadowDoc(candidate))).toMatchObject({ kind: 'ok', release: { version: '6' } });
      expect(await shadowOf(await signPayload(deployment(), [t.release]))).toBeNull();
      expect(await shadowOf(await signPayload(deployment({ shadow: null }), [t.release]))).toBeNull();
    });

    it('may be any version: downgrade protection is about what serves', async () => {
      const older = await signPayload(makeRelease({ version: '1', releaseCounter: 1 }), [t.release]);
      expect(await shadowOf(await shadowDoc(older), { ...ctx, active: { model: 'vad', releaseCounter: 5 } })).toMatchObject({ kind: 'ok' });
    });

    it.each([
      { name: 'signed by an unknown key', code: 'E_SIG_UNTRUSTED', make: async () => signPayload(makeRelease(), [(await generateSigningKey()).key]) },
      { name: 'with a flipped payload byte', code: 'E_SIG_INVALID', make: async () => {
        const good = await signPayload(makeRelease(), [t.release]);
        const bytes = fromBase64(good.payload)!;
        bytes[12] = (bytes[12]! ^ 0x01) & 0x7f;
        return { ...good, payload: toBase64(bytes) };
      } },
      { name: 'that is not a release', code: 'E_WRONG_TYPE', make: async () => signPayload(deployment(), [t.release]) },
      { name: 'that needs a newer opset', code: 'E_INCOMPATIBLE', make: async () => signPayload(makeRelease({ compat: { opset: 99 } }), [t.release]) },
      { name: 'with a bad schema', code: 'E_SCHEMA', make: async () => signPayload({ ...makeRelease(), releaseCounter: -1 }, [t.release]) },
    ])('refused when $name, while the doc itself is accepted ($code)', async ({ code, make }) => {
      const shadow = await shadowOf(await shadowDoc(await make()));
      expect(shadow?.kind).toBe('rejected');
      if (shadow?.kind === 'rejected') {
        expect(shadow.error.code).toBe(code);
        expect(shadow.error.message).toMatch(/^shadow: /);
      }
    });
  });

  it('rejects extra fields as schema errors', async () => {
    const extra = { ...deployment(), sneaky: true };
    expect(await codeOf(verifyDeployment(await signPayload(extra, [t.release]), ctx))).toBe('E_SCHEMA');
  });
});

describe('verifyRelease and trust', () => {
  it('verifies a release manifest', async () => {
    expect((await verifyRelease(releaseEnvelope, t.trust)).model).toBe('vad');
  });

  it('accepts a self-signed first trust doc and refuses one signed by a non-root key', async () => {
    expect((await verifyInitialTrust(t.trustEnvelope, new Date())).version).toBe(1);
    expect(await codeOf(verifyInitialTrust(await signPayload(t.trust, [t.release]), new Date()))).toBe('E_SIG_UNTRUSTED');
    expect(await codeOf(verifyInitialTrust(t.trustEnvelope, new Date(Date.now() + 400 * 86_400_000)))).toBe('E_EXPIRED');
  });

  it('(verifier rule, threat row 10) rotation needs the next version signed by old and new roots', async () => {
    const newRoot: SigningKey = (await generateSigningKey()).key;
    const next = buildTrustDoc({ version: 2, expires: new Date(Date.now() + 1e10), rootKeys: [newRoot], releaseKeys: [t.release] });
    const now = new Date();
    expect((await verifyTrustUpdate(t.trust, await signTrustDoc(next, [t.root, newRoot]), now)).version).toBe(2);
    expect(await codeOf(verifyTrustUpdate(t.trust, await signTrustDoc(next, [newRoot]), now))).toBe('E_ROOT_CHAIN');
    const skipped = { ...next, version: 3 };
    expect(await codeOf(verifyTrustUpdate(t.trust, await signTrustDoc(skipped, [t.root, newRoot]), now))).toBe('E_ROOT_CHAIN');
  });
});

describe('reported state', () => {
  const state = { device: 'dev-1', seq: 3, phase: 'serving', active: null, previous: null, error: null, agent: { version: '1', runtime: 'ort' }, at: new Date().toISOString() };
  const ref = { model: 'vad', version: '6', sha256: 'b'.repeat(64) };

  it('may name the loaded shadow, and older agents that do not are still valid', () => {
    expect(reportedStateSchema.safeParse(state).success).toBe(true);
    expect(reportedStateSchema.safeParse({ ...state, shadow: null }).success).toBe(true);
    expect(reportedStateSchema.parse({ ...state, shadow: ref }).shadow).toEqual(ref);
    expect(reportedStateSchema.safeParse({ ...state, shadow: { ...ref, sha256: 'x' } }).success).toBe(false);
  });
});

describe('decodeMessage', () => {
  it('names the failing field', () => {
    const bytes = utf8Encode(JSON.stringify({ device: 'dev-1', seq: 'x' }));
    expect(() => decodeMessage(reportedStateSchema, bytes, 'state')).toThrow(/state: seq/);
  });

  it('signBytes keeps the exact bytes', async () => {
    const bytes = utf8Encode('{"type":"release"}');
    const env = await signBytes(bytes, [t.release]);
    expect(fromBase64(env.payload)).toEqual(bytes);
  });
});
