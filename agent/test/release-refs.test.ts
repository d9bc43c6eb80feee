/**
 * Deployment docs name releases by the hash of their signed manifest; the agent fetches the
 * manifest from the hub (or uses one it holds), checks it against the doc, and verifies it as
 * before. The hub out of reach delays a doc, it never refuses it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeBytes, releaseRefOf, type DeploymentDoc, type Envelope, type ReleaseRef } from '@edgefleet/protocol';
import type { Agent } from '../src/agent';
import type { FakeHub } from './support/fake-hub';
import { SILERO_V6, sileroRelease, type SileroRelease } from './support/silero';
import { startTestDevice, type TestDevice } from './support/test-device';
import { nextReport } from './support/wait';

const DEVICE = 'dev-refs';
const SECRET = 'refs-secret';

describe('releases named by reference', () => {
  let device: TestDevice;
  let hub: FakeHub;
  let agent: Agent;
  let v1: SileroRelease;
  let v2: SileroRelease;
  let ref1: ReleaseRef;
  let ref2: ReleaseRef;

  const serve = async (release: SileroRelease): Promise<ReleaseRef> => {
    const envelope: Envelope = await device.signed(release.manifest);
    const ref = await releaseRefOf(envelope);
    hub.releases.set(ref.sha256, envelopeBytes(envelope));
    hub.artifacts.set(release.sha256, release.bytes);
    return ref;
  };
  const publishDoc = async (seq: number, active: ReleaseRef, extra: Partial<DeploymentDoc> = {}): Promise<void> =>
    hub.publishDesired(DEVICE, await device.deploy(seq, v1.manifest, { active, ...extra }));

  beforeAll(async () => {
    device = await startTestDevice({ deviceId: DEVICE, secret: SECRET, tmpPrefix: 'agent-refs-' });
    hub = device.hub;
    v1 = await sileroRelease({ baseUrl: hub.httpUrl, version: '1', releaseCounter: 1 });
    v2 = await sileroRelease({ baseUrl: hub.httpUrl, version: '2', releaseCounter: 2 }, SILERO_V6);
    ref1 = await serve(v1);
    ref2 = await serve(v2);
    agent = await device.start({ tuning: { retryBaseMs: 10, retryMaxMs: 200, maxInstallAttempts: 2, bootstrapBaseMs: 20, bootstrapMaxMs: 200, mqttReconnectMs: 100 } });
  });

  afterAll(() => device?.close());

  it('fetches the manifest a doc names, once, and serves its release', async () => {
    const serving = nextReport(agent, (s) => s.phase === 'serving' && s.active?.version === '1', 'serving v1');
    await publishDoc(1, ref1);
    expect(await serving).toMatchObject({ seq: 1, error: null });
    expect(hub.releaseFetches.get(ref1.sha256)).toBe(1);
  });

  it('waits while the hub cannot serve the manifest (nothing refused, nothing reported failed), then installs', async () => {
    hub.unavailable.add(ref2.sha256);
    await publishDoc(2, ref2, { previous: ref1 });
    await expect.poll(() => hub.releaseFetches.get(ref2.sha256) ?? 0, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    // still serving v1 on seq 1: the doc is neither accepted nor refused yet
    expect(agent.status()).toMatchObject({ phase: 'serving', seq: 1, active: { version: '1' }, error: null });
    const serving = nextReport(agent, (s) => s.phase === 'serving' && s.active?.version === '2', 'serving v2');
    hub.unavailable.delete(ref2.sha256);
    expect(await serving).toMatchObject({ seq: 2, previous: { version: '1' }, error: null });
  });

  it('a rollback names the release the device keeps: nothing is fetched, nothing downloaded', async () => {
    const fetchesBefore = hub.releaseFetches.get(ref1.sha256);
    const downloadsBefore = hub.downloads.get(v1.sha256);
    const back = nextReport(agent, (s) => s.phase === 'serving' && s.active?.version === '1', 'serving v1 again');
    await publishDoc(3, ref1, { previous: ref2, allowDowngrade: true });
    expect(await back).toMatchObject({ seq: 3, error: null });
    expect(hub.releaseFetches.get(ref1.sha256)).toBe(fetchesBefore);
    expect(hub.downloads.get(v1.sha256)).toBe(downloadsBefore);
  });

  it('a manifest the hub does not have (404) refuses the doc with a typed error; the model keeps serving', async () => {
    const missing: ReleaseRef = { sha256: 'f'.repeat(64), size: ref2.size };
    const refused = nextReport(agent, (s) => s.error?.code === 'E_DOWNLOAD_FAILED', 'refused');
    await publishDoc(4, missing);
    expect(await refused).toMatchObject({ phase: 'serving', active: { version: '1' } });
  });
});
