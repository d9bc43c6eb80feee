/** Trust on first use, rotation from the retained topic, and recovery of the pinned document. */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTrustDoc, envelopeBytes, generateSigningKey, signTrustDoc, type Envelope } from '@edgefleet/protocol';
import { recoverTrust, type TrustState } from '../../src/trust/trust-state';
import { judgeTrustMessage, pinFirstTrust, rotateTrust } from '../../src/trust/trust-updates';
import { makeTestTrust, type TestTrust } from '../../../test/fixtures/signing';

let keys: TestTrust;
let pinned: TrustState;
/** version 2, signed by the old and the new root key */
let next: Envelope;

beforeAll(async () => {
  keys = await makeTestTrust();
  pinned = { kind: 'pinned', doc: keys.trust, envelope: keys.trustEnvelope };
  const root2 = (await generateSigningKey()).key;
  const doc2 = buildTrustDoc({ version: 2, expires: new Date(Date.now() + 86_400_000), rootKeys: [root2], releaseKeys: [keys.release] });
  next = await signTrustDoc(doc2, [keys.root, root2]);
});

describe('pinFirstTrust', () => {
  it('pins a self-signed document, not an expired one', async () => {
    expect(await pinFirstTrust(keys.trustEnvelope, new Date())).toEqual({ kind: 'pinned', doc: keys.trust, envelope: keys.trustEnvelope });
    await expect(pinFirstTrust(keys.trustEnvelope, new Date(Date.now() + 400 * 86_400_000))).rejects.toMatchObject({ code: 'E_EXPIRED' });
  });
});

describe('judgeTrustMessage and rotateTrust', () => {
  it('refuses with an unusable trust state, skips before pinning, ignores what is not newer', () => {
    const bytes = envelopeBytes(next);
    expect(judgeTrustMessage({ kind: 'corrupt', reason: 'gone' }, bytes)).toMatchObject({ kind: 'refuse', error: { code: 'E_TRUST_STATE', message: 'trust state unusable (gone); rotation refused' } });
    expect(judgeTrustMessage({ kind: 'unpinned' }, bytes)).toEqual({ kind: 'skip' });
    expect(judgeTrustMessage(pinned, envelopeBytes(keys.trustEnvelope))).toEqual({ kind: 'ignore', reason: 'trust version 1 is not newer than 1' });
    expect(judgeTrustMessage(pinned, bytes)).toEqual({ kind: 'rotate', current: keys.trust });
  });

  it('rotates to the next version signed by both root thresholds', async () => {
    const rotated = await rotateTrust(keys.trust, envelopeBytes(next), new Date());
    expect(rotated.doc.version).toBe(2);
    expect(rotated.envelope).toEqual(next);
    const skipping = await signTrustDoc({ ...keys.trust, version: 3 }, [keys.root]);
    await expect(rotateTrust(keys.trust, envelopeBytes(skipping), new Date())).rejects.toMatchObject({ code: 'E_ROOT_CHAIN' });
  });
});

describe('recoverTrust', () => {
  it('is unpinned only before anything was pinned', async () => {
    expect(await recoverTrust({ kind: 'missing' }, false, 'trust.json')).toEqual({ state: { kind: 'unpinned' }, refusal: null });
    expect(await recoverTrust({ kind: 'missing' }, true, 'trust.json')).toEqual({
      state: { kind: 'corrupt', reason: 'trust.json missing after pinning' },
      refusal: { kind: 'missing-after-pinning' },
    });
  });

  it('refuses an unreadable or edited document and reopens a good one whatever its expiry', async () => {
    expect(await recoverTrust({ kind: 'corrupt', reason: 'not valid JSON' }, true, 'trust.json')).toMatchObject({ state: { kind: 'corrupt', reason: 'trust.json unreadable: not valid JSON' } });
    const edited = { ...keys.trustEnvelope, payload: next.payload };
    expect((await recoverTrust({ kind: 'ok', value: edited }, true, 'trust.json')).refusal?.kind).toBe('does-not-verify');
    expect(await recoverTrust({ kind: 'ok', value: keys.trustEnvelope }, true, 'trust.json')).toEqual({ state: pinned, refusal: null });
  });
});
