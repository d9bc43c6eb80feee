/** Which deployment docs a device takes, and the record it persists for one it accepts. */
import { beforeAll, describe, expect, it } from 'vitest';
import { envelopeBytes, generateSigningKey, ProtocolError, releaseRefOf, type DeploymentDoc, type Envelope, type ReleaseManifest } from '@edgefleet/protocol';
import { judgeDeployment, type DeploymentJudgement } from '../../src/deployment/deployment-acceptance';
import { heldReleaseBytes } from '../../src/deployment/held-releases';
import { DeviceCoreError } from '../../src/errors';
import { emptyPersistedState } from '../../src/state/device-state';
import type { TrustState } from '../../src/trust/trust-state';
import { makeDeployment, makeRelease, makeTestTrust, sign, type TestTrust } from '../../../test/fixtures/signing';

let keys: TestTrust;
let pinned: TrustState;
let release: ReleaseManifest;
let releaseEnvelope: Envelope;

beforeAll(async () => {
  keys = await makeTestTrust();
  pinned = { kind: 'pinned', doc: keys.trust, envelope: keys.trustEnvelope };
  release = makeRelease();
  releaseEnvelope = await sign(release, [keys.release]);
});

const now = () => new Date();
const docBytes = async (overrides: Partial<DeploymentDoc> = {}): Promise<Uint8Array> => envelopeBytes(await sign(makeDeployment(releaseEnvelope, overrides), [keys.release]));
const judgement = (overrides: Partial<DeploymentJudgement> = {}): DeploymentJudgement => ({
  trust: pinned,
  deviceId: 'dev-1',
  now: now(),
  persisted: emptyPersistedState(),
  runtime: { version: '1.30.0', maxOpset: 21 },
  fetchRelease: () => Promise.reject(new Error('nothing to fetch')),
  ...overrides,
});
const codeOf = (error: unknown) => (error instanceof ProtocolError || error instanceof DeviceCoreError ? error.code : String(error));

describe('judgeDeployment', () => {
  it('refuses every doc without a usable trust state, naming why', async () => {
    const bytes = await docBytes();
    expect(await judgeDeployment(bytes, judgement({ trust: { kind: 'unpinned' } }))).toMatchObject({ kind: 'refuse', error: { code: 'E_TRUST_STATE', message: 'no trust document pinned yet' } });
    expect(await judgeDeployment(bytes, judgement({ trust: { kind: 'corrupt', reason: 'gone' } }))).toMatchObject({
      kind: 'refuse',
      error: { code: 'E_TRUST_STATE', message: 'trust state unusable (gone); updates refused' },
    });
  });

  it('accepts a signed doc for this device as the record to persist', async () => {
    const bytes = await docBytes({ seq: 3, statsIntervalS: 30 });
    const decision = await judgeDeployment(bytes, judgement());
    if (decision.kind !== 'accept') throw new Error(`expected accept, got ${decision.kind}`);
    expect(decision.shadowRefused).toBeNull();
    expect(decision.desired).toMatchObject({ seq: 3, downgrade: false, statsIntervalS: 30, shadow: null, release: { manifest: release, envelope: releaseEnvelope } });
    expect(envelopeBytes(decision.desired.envelope)).toEqual(bytes);
  });

  it('ignores the seq already acted on and refuses older ones, other devices, expired docs and foreign signatures', async () => {
    const persisted = { ...emptyPersistedState(), lastSeq: 5 };
    expect(await judgeDeployment(await docBytes({ seq: 5 }), judgement({ persisted }))).toMatchObject({ kind: 'ignore', seq: 5 });
    const refusal = (bytes: Uint8Array, input = judgement()) => judgeDeployment(bytes, input).then(() => 'accepted', codeOf);
    expect(await refusal(await docBytes({ seq: 4 }), judgement({ persisted }))).toBe('E_ROLLBACK');
    expect(await refusal(await docBytes({ device: 'dev-2' }))).toBe('E_NOT_FOR_DEVICE');
    expect(await refusal(await docBytes({ expires: new Date(Date.now() - 1000).toISOString() }))).toBe('E_EXPIRED');
    const stranger = (await generateSigningKey()).key;
    expect(await refusal(envelopeBytes(await sign(makeDeployment(releaseEnvelope), [stranger])))).not.toBe('accepted');
  });

  it('drops a shadow that does not verify and hands its refusal back, the doc still accepted', async () => {
    const stranger = (await generateSigningKey()).key;
    const shadow = await sign(makeRelease({ version: '2' }), [stranger]);
    const decision = await judgeDeployment(await docBytes({ shadow }), judgement());
    if (decision.kind !== 'accept') throw new Error(`expected accept, got ${decision.kind}`);
    expect(decision.desired.shadow).toBeNull();
    expect(decision.shadowRefused?.message).toMatch(/^shadow: /);
  });
});

describe('heldReleaseBytes', () => {
  it('finds a held release by the reference a doc names it by, and nothing else', async () => {
    const persisted = { ...emptyPersistedState(), previous: { envelope: releaseEnvelope, manifest: release } };
    const ref = await releaseRefOf(releaseEnvelope);
    expect(await heldReleaseBytes(persisted, ref)).toEqual(envelopeBytes(releaseEnvelope));
    expect(await heldReleaseBytes(persisted, { ...ref, size: ref.size + 1 })).toBeNull();
    expect(await heldReleaseBytes(emptyPersistedState(), ref)).toBeNull();
  });
});
