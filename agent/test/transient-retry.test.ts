/**
 * A download that fails for a passing reason (the hub answers 503 for a while) is given up and
 * reported after a few quick attempts, then tried again later on its own: the device converges
 * once the hub is back, without a new deployment doc or a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../src/agent';
import type { FakeHub } from './support/fake-hub';
import { sileroRelease, type SileroRelease } from './support/silero';
import { startTestDevice, type TestDevice } from './support/test-device';
import { nextEvent, nextReport } from './support/wait';

const DEVICE = 'dev-retry';
const SECRET = 'retry-secret';

describe('transient install failures', () => {
  let device: TestDevice;
  let hub: FakeHub;
  let agent: Agent;
  let v1: SileroRelease;

  beforeAll(async () => {
    device = await startTestDevice({ deviceId: DEVICE, secret: SECRET, tmpPrefix: 'agent-retry-' });
    hub = device.hub;
    v1 = await sileroRelease({ baseUrl: hub.httpUrl, version: '1', releaseCounter: 1 });
    hub.artifacts.set(v1.sha256, v1.bytes);
    agent = await device.start({ tuning: { retryBaseMs: 10, retryMaxMs: 200, maxInstallAttempts: 2, bootstrapBaseMs: 20, bootstrapMaxMs: 200, mqttReconnectMs: 100 } });
  });

  afterAll(() => device?.close());

  it('reports the failure, then installs once the hub serves the artifact again', async () => {
    hub.unavailable.add(v1.sha256);
    const failed = nextEvent(agent, (e) => e.kind === 'install-failed', 'install-failed');
    await hub.publishDesired(DEVICE, await device.deploy(1, v1.manifest));
    expect((await failed).error?.code).toBe('E_DOWNLOAD_FAILED');
    expect(agent.status()).toMatchObject({ phase: 'failed', seq: 1, active: null, error: { code: 'E_DOWNLOAD_FAILED' } });

    const serving = nextReport(agent, (s) => s.phase === 'serving' && s.active?.version === '1', 'serving after the slow retry');
    hub.unavailable.delete(v1.sha256);
    expect(await serving).toMatchObject({ seq: 1, error: null });
    expect(hub.downloads.get(v1.sha256)).toBe(1);
  });
});
