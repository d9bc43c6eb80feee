/**
 * Trust documents signed by several holders one at a time (drafts), the tally of their root
 * signatures, and whole chains verified as devices verify them (THREATS 10).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  addTrustSignature,
  buildTrustDoc,
  claimedTrustVersion,
  draftAsEnvelope,
  draftTrustDoc,
  envelopeBytes,
  generateSigningKey,
  tallyTrustSignatures,
  verifyInitialTrust,
  verifyTrustChain,
  verifyWholeChain,
  type Envelope,
  type SigningKey,
  type TrustDoc,
} from '../src/index';

let roots: SigningKey[];
let release: SigningKey;
let v1: TrustDoc;
let v1Envelope: Envelope;

async function signedDraft(doc: TrustDoc, keys: readonly SigningKey[]): Promise<Envelope> {
  let draft = draftTrustDoc(doc);
  for (const key of keys) draft = await addTrustSignature(draft, key);
  const envelope = draftAsEnvelope(draft);
  if (!envelope) throw new Error('no signatures');
  return envelope;
}

beforeAll(async () => {
  roots = await Promise.all([1, 2, 3].map(async () => (await generateSigningKey()).key));
  release = (await generateSigningKey()).key;
  v1 = buildTrustDoc({ version: 1, expires: new Date(Date.now() + 86_400_000), rootKeys: roots.slice(0, 2), releaseKeys: [release], rootThreshold: 2 });
  v1Envelope = await signedDraft(v1, roots.slice(0, 2));
});

describe('drafts signed one holder at a time', () => {
  it('keeps the payload bytes, counts each key once, and verifies once the threshold is met', async () => {
    const draft = draftTrustDoc(v1);
    expect(draftAsEnvelope(draft)).toBeNull();
    const once = await addTrustSignature(draft, roots[0] as SigningKey);
    const twice = await addTrustSignature(once, roots[0] as SigningKey);
    expect(twice.signatures).toHaveLength(1);
    expect(twice.payload).toBe(draft.payload);
    expect(await tallyTrustSignatures(twice, null)).toEqual([{ which: 'own', version: 1, keyids: v1.roles.root.keyids, threshold: 2, signed: [roots[0]?.keyid], invalid: [], met: false }]);
    await expect(verifyInitialTrust(draftAsEnvelope(twice), new Date())).rejects.toMatchObject({ code: 'E_SIG_UNTRUSTED' });
    const both = await addTrustSignature(twice, roots[1] as SigningKey);
    expect((await tallyTrustSignatures(both, null))[0]?.met).toBe(true);
    expect(await verifyInitialTrust(draftAsEnvelope(both), new Date())).toEqual(v1);
  });

  it('tallies a rotation against the version before, and names a signature that does not verify', async () => {
    const v2 = buildTrustDoc({ version: 2, expires: new Date(Date.now() + 86_400_000), rootKeys: roots.slice(1), releaseKeys: [release], rootThreshold: 2 });
    const draft = await addTrustSignature(await addTrustSignature(draftTrustDoc(v2), roots[1] as SigningKey), roots[2] as SigningKey);
    const broken = { ...draft, signatures: draft.signatures.map((s) => (s.keyid === roots[2]?.keyid ? { ...s, sig: draft.signatures[0]?.sig ?? '' } : s)) };
    const tallies = await tallyTrustSignatures(broken, v1);
    expect(tallies.map((t) => ({ which: t.which, signed: t.signed.length, invalid: t.invalid.length, met: t.met }))).toEqual([
      { which: 'previous', signed: 1, invalid: 0, met: false },
      { which: 'own', signed: 1, invalid: 1, met: false },
    ]);
  });
});

describe('chains', () => {
  it('verifies a whole chain from its first version; a gap or a missing old-root signature is E_ROOT_CHAIN', async () => {
    const v2 = await signedDraft(buildTrustDoc({ version: 2, expires: new Date(Date.now() + 86_400_000), rootKeys: roots.slice(1), releaseKeys: [release], rootThreshold: 2 }), roots);
    const v3 = await signedDraft(buildTrustDoc({ version: 3, expires: new Date(Date.now() + 86_400_000), rootKeys: roots.slice(1), releaseKeys: [release], rootThreshold: 2 }), roots.slice(1));
    expect((await verifyWholeChain([v1Envelope, v2, envelopeBytes(v3)])).map((v) => v.doc.version)).toEqual([1, 2, 3]);
    await expect(verifyTrustChain(v1, [v3], new Date(), { checkLastExpiry: true })).rejects.toMatchObject({ code: 'E_ROOT_CHAIN' });
    const notByOld = await signedDraft(buildTrustDoc({ version: 2, expires: new Date(Date.now() + 86_400_000), rootKeys: roots.slice(2), releaseKeys: [release] }), roots.slice(2));
    await expect(verifyTrustChain(v1, [notByOld], new Date(), { checkLastExpiry: true })).rejects.toMatchObject({ code: 'E_ROOT_CHAIN' });
    expect(claimedTrustVersion(envelopeBytes(v3))).toBe(3);
    expect(claimedTrustVersion(new TextEncoder().encode('{"payload":"x"}'))).toBeNull();
  });
});
