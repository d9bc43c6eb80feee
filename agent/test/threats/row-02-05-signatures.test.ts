/**
 * THREATS rows 2-5 (docs/threats.md): deployment docs whose signatures must not pass. Each attack
 * is published on the device's desired topic through the broker; the agent refuses it with the
 * row's code, publishes it to the hub, and version 1 answers before, during and after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTrustDoc, fromBase64, generateSigningKey, signTrustDoc, toBase64, utf8Decode, utf8Encode, type Envelope, type SigningKey } from '@edgefleet/protocol';
import { makeDeployment, makeTestTrust, sign, type TestTrust } from '../../../test/fixtures/signing';
import { startThreatBench, type ThreatBench } from '../support/threat-bench';

const YEAR_MS = 365 * 86_400_000;

describe('THREATS 2, 3 and 5: tampered docs, wrong keys, type confusion', { timeout: 120_000 }, () => {
  let bench: ThreatBench;
  beforeAll(async () => {
    bench = await startThreatBench({ deviceId: 'threat-sigs' });
  }, 120_000);
  afterAll(() => bench?.close());

  /** A doc for seq `seq` naming version 1, signed by `keys` (doc and embedded manifest). */
  const docSignedBy = async (seq: number, keys: readonly SigningKey[]): Promise<Envelope> =>
    sign(makeDeployment(await sign(bench.v1.manifest, keys), { device: bench.deviceId, seq }), keys);
  const rejected = (code: 'E_SIG_INVALID' | 'E_SIG_UNTRUSTED' | 'E_WRONG_TYPE', deliver: () => Promise<unknown>) =>
    bench.expectRefused({ code, event: 'doc-rejected', deliver });

  it('THREATS 2: a flipped payload byte is E_SIG_INVALID', async () => {
    const good = await bench.device.deploy(2, bench.v1.manifest);
    const bytes = fromBase64(good.payload)!;
    bytes[40] = (bytes[40]! ^ 0x01) & 0x7f;
    await rejected('E_SIG_INVALID', () => bench.publishDoc({ ...good, payload: toBase64(bytes) }));
  });

  it('THREATS 2: the same doc re-serialised with other whitespace is E_SIG_INVALID', async () => {
    const good = await bench.device.deploy(2, bench.v1.manifest);
    const pretty = JSON.stringify(JSON.parse(utf8Decode(fromBase64(good.payload)!)), null, 2);
    await rejected('E_SIG_INVALID', () => bench.publishDoc({ ...good, payload: toBase64(utf8Encode(pretty)) }));
  });

  it('THREATS 3: a doc signed by an unknown key is E_SIG_UNTRUSTED', async () => {
    const stranger = (await generateSigningKey()).key;
    await rejected('E_SIG_UNTRUSTED', async () => bench.publishDoc(await docSignedBy(2, [stranger])));
  });

  it('THREATS 3: a doc signed by the root key, where a release key belongs, is E_SIG_UNTRUSTED', async () => {
    await rejected('E_SIG_UNTRUSTED', async () => bench.publishDoc(await docSignedBy(2, [bench.device.trust.root])));
  });

  it('THREATS 5: a validly signed release manifest delivered as a deployment doc is E_WRONG_TYPE', async () => {
    await rejected('E_WRONG_TYPE', async () => bench.publishDoc(await bench.device.signed(bench.v1.manifest)));
  });

  it('THREATS 5: a deployment doc whose release is a signed deployment doc is E_WRONG_TYPE', async () => {
    const inner = await bench.device.deploy(2, bench.v1.manifest);
    await rejected('E_WRONG_TYPE', async () => bench.publishDoc(await bench.device.signed(makeDeployment(inner, { device: bench.deviceId, seq: 2 }))));
  });

  it('THREATS 5: a trust document signed by the release key, as a deployment doc, is E_WRONG_TYPE', async () => {
    await rejected('E_WRONG_TYPE', async () => bench.publishDoc(await bench.device.signed(bench.device.trust.trust)));
  });

  it('THREATS 5: a release manifest on the trust topic is E_WRONG_TYPE; the pinned trust stays', async () => {
    await rejected('E_WRONG_TYPE', async () => bench.publishTrust(await sign(bench.v1.manifest, [bench.device.trust.root])));
  });

  it('THREATS 3: a revoked release key (trust version 2 no longer names it) is E_SIG_UNTRUSTED; its successor signs', async () => {
    const { root, release: revoked } = bench.device.trust;
    const successor = (await generateSigningKey()).key;
    const v2 = buildTrustDoc({ version: 2, expires: new Date(Date.now() + YEAR_MS), rootKeys: [root], releaseKeys: [successor] });
    await bench.publishTrust(await signTrustDoc(v2, [root]));
    // Messages are handled in order: a doc signed by the successor being taken proves the rotation.
    const accepted = bench.published('state', (s) => s.seq === 2);
    await bench.publishDoc(await docSignedBy(2, [successor]));
    expect(await accepted).toMatchObject({ error: null, active: { version: '1' } });
    expect(JSON.parse((await bench.trusted()).trust ?? 'null')).toMatchObject({ envelope: { signatures: [{ keyid: root.keyid }] } });

    await rejected('E_SIG_UNTRUSTED', async () => bench.publishDoc(await docSignedBy(3, [revoked])));
  });
});

describe('THREATS 4: threshold games (release threshold 2 of 2)', { timeout: 120_000 }, () => {
  let bench: ThreatBench;
  let trust: TestTrust;
  let second: SigningKey;

  beforeAll(async () => {
    const base = await makeTestTrust();
    second = (await generateSigningKey()).key;
    const doc = buildTrustDoc({ version: 1, expires: new Date(Date.now() + YEAR_MS), rootKeys: [base.root], releaseKeys: [base.release, second], releaseThreshold: 2 });
    trust = { ...base, trust: doc, trustEnvelope: await signTrustDoc(doc, [base.root]) };
    bench = await startThreatBench({ deviceId: 'threat-threshold', trust, signers: [base.release, second] });
  }, 120_000);
  afterAll(() => bench?.close());

  /** A doc for `seq` (its manifest signed by both keys) with the signatures `pick` makes of a fully signed one. */
  const docWith = async (seq: number, pick: (full: Envelope['signatures'], one: Envelope['signatures']) => Envelope['signatures']): Promise<Envelope> => {
    const payload = makeDeployment(await sign(bench.v1.manifest, [trust.release, second]), { device: bench.deviceId, seq });
    const full = await sign(payload, [trust.release, second]);
    const one = await sign(payload, [trust.release]);
    return { payload: full.payload, signatures: pick(full.signatures, one.signatures) };
  };

  it('THREATS 4: one valid signature of the two needed is refused (E_SIG_UNTRUSTED)', async () => {
    await bench.expectRefused({ code: 'E_SIG_UNTRUSTED', event: 'doc-rejected', deliver: async () => bench.publishDoc(await docWith(2, (_full, one) => one)) });
  });

  it('THREATS 4: the same signature twice counts once (E_SIG_UNTRUSTED)', async () => {
    await bench.expectRefused({ code: 'E_SIG_UNTRUSTED', event: 'doc-rejected', deliver: async () => bench.publishDoc(await docWith(2, (_full, one) => [one[0]!, one[0]!])) });
  });

  it('THREATS 4: a trust document listing one release key twice to reach its threshold is refused (E_SCHEMA)', async () => {
    const twice = buildTrustDoc({ version: 2, expires: new Date(Date.now() + YEAR_MS), rootKeys: [trust.root], releaseKeys: [trust.release, trust.release], releaseThreshold: 2 });
    await bench.expectRefused({ code: 'E_SCHEMA', event: 'doc-rejected', deliver: async () => bench.publishTrust(await signTrustDoc(twice, [trust.root])) });
    // Still version 1 pinned: one signature stays one of two.
    await bench.expectRefused({ code: 'E_SIG_UNTRUSTED', event: 'doc-rejected', deliver: async () => bench.publishDoc(await docWith(2, (_full, one) => one)) });
  });

  it('THREATS 4: both valid signatures plus a garbage one are accepted', async () => {
    const stranger = (await generateSigningKey()).key;
    const garbage = { keyid: stranger.keyid, sig: toBase64(new Uint8Array(64).fill(7)) };
    const junkBySecond = { keyid: second.keyid, sig: toBase64(new Uint8Array(64)) };
    const accepted = bench.published('state', (s) => s.seq === 2);
    await bench.during(async () => {
      await bench.publishDoc(await docWith(2, (full) => [junkBySecond, ...full, garbage]));
      expect(await accepted).toMatchObject({ phase: 'serving', error: null, active: { version: '1' } });
    });
    expect((await bench.trusted()).lastSeq).toBe(2);
    await bench.expectServing();
  });
});
