/**
 * THREATS row 10 (docs/threats.md): trust document rotation. The device pins version 1 (two root
 * keys, threshold 2); version N+1 must be signed by a threshold of N's root keys and of its own,
 * and versions are walked one at a time (a missing one is fetched from the hub's chain, and checked
 * the same way). A broken chain is E_ROOT_CHAIN with nothing pinned changed; a valid one rotates,
 * after which only the new release key signs. Version 1 of the model answers throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTrustDoc, fromBase64, generateSigningKey, signTrustDoc, utf8Decode, type Envelope, type SigningKey } from '@edgefleet/protocol';
import { makeDeployment, makeTestTrust, sign, type TestTrust } from '../../../test/fixtures/signing';
import { startThreatBench, type ThreatBench } from '../support/threat-bench';

const YEAR_MS = 365 * 86_400_000;

describe('THREATS 10: key rotation', { timeout: 120_000 }, () => {
  let bench: ThreatBench;
  let trust: TestTrust;
  /** the second root key of version 1 */
  let root2: SigningKey;
  /** version 2's root keys and release key */
  let next: { roots: SigningKey[]; release: SigningKey };

  const trustDoc = (version: number, roots: readonly SigningKey[], release: SigningKey) =>
    buildTrustDoc({ version, expires: new Date(Date.now() + YEAR_MS), rootKeys: roots, releaseKeys: [release], rootThreshold: roots.length });
  const pinnedVersion = async (): Promise<number> => {
    const { envelope } = JSON.parse((await bench.trusted()).trust ?? 'null') as { envelope: Envelope };
    return (JSON.parse(utf8Decode(fromBase64(envelope.payload)!)) as { version: number }).version;
  };
  const docSignedBy = async (seq: number, key: SigningKey): Promise<Envelope> =>
    sign(makeDeployment(await sign(bench.v1.manifest, [key]), { device: bench.deviceId, seq }), [key]);
  const refusedChain = (deliver: () => Promise<unknown>) => bench.expectRefused({ code: 'E_ROOT_CHAIN', event: 'doc-rejected', deliver });

  beforeAll(async () => {
    const base = await makeTestTrust();
    root2 = (await generateSigningKey()).key;
    const doc = buildTrustDoc({ version: 1, expires: new Date(Date.now() + YEAR_MS), rootKeys: [base.root, root2], releaseKeys: [base.release], rootThreshold: 2 });
    trust = { ...base, trust: doc, trustEnvelope: await signTrustDoc(doc, [base.root, root2]) };
    next = { roots: [(await generateSigningKey()).key, (await generateSigningKey()).key], release: (await generateSigningKey()).key };
    bench = await startThreatBench({ deviceId: 'threat-rotation', trust });
  }, 120_000);
  afterAll(() => bench?.close());

  it('THREATS 10: a skipped version (3 after 1, the hub has no 2) is E_ROOT_CHAIN', async () => {
    const v3 = trustDoc(3, [trust.root, root2], trust.release);
    await refusedChain(async () => bench.publishTrust(await signTrustDoc(v3, [trust.root, root2])));
    expect(await pinnedVersion()).toBe(1);
  });

  it('THREATS 10: version 2 signed by one of the two old root keys (and all new ones) is E_ROOT_CHAIN', async () => {
    const v2 = trustDoc(2, next.roots, next.release);
    await refusedChain(async () => bench.publishTrust(await signTrustDoc(v2, [trust.root, ...next.roots])));
  });

  it('THREATS 10: version 2 signed by the old threshold but one of its own two root keys is E_ROOT_CHAIN', async () => {
    const v2 = trustDoc(2, next.roots, next.release);
    await refusedChain(async () => bench.publishTrust(await signTrustDoc(v2, [trust.root, root2, next.roots[0]!])));
  });

  it('THREATS 10: version 2 signed by its new root keys alone is E_ROOT_CHAIN', async () => {
    const v2 = trustDoc(2, next.roots, next.release);
    await refusedChain(async () => bench.publishTrust(await signTrustDoc(v2, next.roots)));
  });

  it('THREATS 10: a skipped version whose missing link the hub serves unsigned by the old threshold is E_ROOT_CHAIN', async () => {
    const forged = await signTrustDoc(trustDoc(2, next.roots, next.release), next.roots);
    bench.hub.trustVersions.set(2, new TextEncoder().encode(JSON.stringify(forged)));
    const v3 = trustDoc(3, next.roots, next.release);
    await refusedChain(async () => bench.publishTrust(await signTrustDoc(v3, next.roots)));
    bench.hub.trustVersions.clear();
    expect(await pinnedVersion()).toBe(1);
  });

  it('THREATS 10: a valid chain is accepted one version at a time; the old release key is then refused', async () => {
    const v2 = await signTrustDoc(trustDoc(2, next.roots, next.release), [trust.root, root2, ...next.roots]);
    const accepted = bench.published('state', (s) => s.seq === 2);
    await bench.during(async () => {
      await bench.publishTrust(v2);
      // Handled in order: a doc signed by version 2's release key being taken proves the rotation.
      await bench.publishDoc(await docSignedBy(2, next.release));
      expect(await accepted).toMatchObject({ phase: 'serving', error: null, active: { version: '1' } });
    });
    expect(await pinnedVersion()).toBe(2);
    await bench.expectServing();
    await bench.expectRefused({ code: 'E_SIG_UNTRUSTED', event: 'doc-rejected', deliver: async () => bench.publishDoc(await docSignedBy(3, trust.release)) });
  });

  it('THREATS 10: a device behind by two versions walks the hub’s chain (3 fetched, 4 off the topic), each checked', async () => {
    const later = { roots: [(await generateSigningKey()).key], release: (await generateSigningKey()).key };
    const v3 = await signTrustDoc(trustDoc(3, next.roots, next.release), next.roots);
    bench.hub.trustVersions.set(3, new TextEncoder().encode(JSON.stringify(v3)));
    const v4 = await signTrustDoc(trustDoc(4, later.roots, later.release), [...next.roots, ...later.roots]);
    const accepted = bench.published('state', (s) => s.seq === 3);
    await bench.during(async () => {
      await bench.publishTrust(v4);
      await bench.publishDoc(await docSignedBy(3, later.release));
      expect(await accepted).toMatchObject({ phase: 'serving', error: null });
    });
    expect(await pinnedVersion()).toBe(4);
    await bench.expectServing();
  });
});
