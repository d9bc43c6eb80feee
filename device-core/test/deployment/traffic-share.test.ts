/** The `trafficShare` of a deployment doc: only with a shadow, and read back from the doc the device accepted. */
import { beforeAll, describe, expect, it } from 'vitest';
import { deploymentDocSchema, envelopeBytes, ProtocolError, type DeploymentDoc, type Envelope } from '@edgefleet/protocol';
import { judgeDeployment } from '../../src/deployment/deployment-acceptance';
import { TrafficShares, trafficShareOf } from '../../src/deployment/traffic-share';
import { emptyPersistedState, type AcceptedDesired } from '../../src/state/device-state';
import { makeDeployment, makeRelease, makeTestTrust, sign, type TestTrust } from '../../../test/fixtures/signing';

let keys: TestTrust;
let active: Envelope;
let shadow: Envelope;

beforeAll(async () => {
  keys = await makeTestTrust();
  active = await sign(makeRelease(), [keys.release]);
  shadow = await sign(makeRelease({ version: '2', releaseCounter: 2, artifact: { ...makeRelease().artifact, sha256: 'c'.repeat(64) } }), [keys.release]);
});

const judge = async (doc: DeploymentDoc) =>
  judgeDeployment(envelopeBytes(await sign(doc, [keys.release])), {
    trust: { kind: 'pinned', doc: keys.trust, envelope: keys.trustEnvelope },
    deviceId: 'dev-1',
    now: new Date(),
    persisted: emptyPersistedState(),
    runtime: { version: '1.30.0', maxOpset: 21 },
    fetchRelease: () => Promise.reject(new Error('nothing to fetch')),
  });
const accepted = async (doc: DeploymentDoc): Promise<AcceptedDesired> => {
  const decision = await judge(doc);
  if (decision.kind !== 'accept') throw new Error(`expected accept, got ${decision.kind}`);
  return decision.desired;
};

describe('deployment doc trafficShare', () => {
  it('is refused by the schema without a shadow, or outside (0, 1), naming the field', () => {
    const refusal = (over: Partial<DeploymentDoc>) => {
      const result = deploymentDocSchema.safeParse(makeDeployment(active, over));
      return result.success ? 'accepted' : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    expect(refusal({ trafficShare: 0.5 })).toMatch(/^trafficShare: trafficShare needs a shadow/);
    expect(refusal({ trafficShare: 0.5, shadow: null })).toMatch(/^trafficShare: trafficShare needs a shadow/);
    expect(refusal({ trafficShare: 0, shadow })).toMatch(/^trafficShare: /);
    expect(refusal({ trafficShare: 1, shadow })).toMatch(/^trafficShare: /);
    expect(refusal({ trafficShare: 0.5, shadow })).toBe('accepted');
    expect(refusal({ shadow })).toBe('accepted');
  });

  it('refuses a signed doc with a share and no shadow (E_SCHEMA): the device never splits to nothing', async () => {
    const error = await judge(makeDeployment(active, { trafficShare: 0.5 })).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toMatchObject({ code: 'E_SCHEMA' });
    expect(String((error as Error).message)).toContain('trafficShare');
  });

  it('is read back from the accepted doc; none without a share or with the shadow dropped', async () => {
    expect(trafficShareOf(await accepted(makeDeployment(active, { shadow, trafficShare: 0.25 })))).toBe(0.25);
    expect(trafficShareOf(await accepted(makeDeployment(active, { shadow })))).toBeNull();
    expect(trafficShareOf(null)).toBeNull();
    // A shadow the device refused is dropped from the record: its share goes with it.
    const stranger = await sign(makeRelease({ version: '9' }), [(await makeTestTrust()).release]);
    const desired = await accepted(makeDeployment(active, { shadow: stranger, trafficShare: 0.25 }));
    expect(desired.shadow).toBeNull();
    expect(trafficShareOf(desired)).toBeNull();
  });
});

describe('TrafficShares', () => {
  it('gives the share only to the running shadow the doc names, reading each doc once', async () => {
    const desired = await accepted(makeDeployment(active, { shadow, trafficShare: 0.25 }));
    const shares = new TrafficShares();
    const named = desired.shadow?.manifest ?? null;
    expect(named?.version).toBe('2');
    expect(shares.shareOf(desired, named)).toBe(0.25);
    // No shadow running yet, or another one still loaded: the serving model answers everything.
    expect(shares.shareOf(desired, null)).toBeNull();
    expect(shares.shareOf(desired, makeRelease({ version: '7' }))).toBeNull();
    // A newer doc without a share: read again, none.
    expect(shares.shareOf(await accepted(makeDeployment(active, { shadow })), named)).toBeNull();
    expect(shares.shareOf(null, named)).toBeNull();
  });
});
