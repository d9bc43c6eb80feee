/**
 * A download that fails for a passing reason (the hub answers 503 for a while) is given up and
 * reported after a few quick attempts, then tried again later on its own: the device converges
 * once the hub is back, without a new deployment doc or a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type Agent } from '../src/agent';
import { makeDeployment, makeTestTrust, sign, type TestTrust } from '../../test/fixtures/signing';
import { startFakeHub, type FakeHub } from './support/fake-hub';
import { sileroRelease, type SileroRelease } from './support/silero';
import { nextEvent, nextReport } from './support/wait';
import { SILENT_LOGGER } from './support/agent-options';

const DEVICE = 'dev-retry';
const SECRET = 'retry-secret';

describe('transient install failures', () => {
  let trust: TestTrust;
  let hub: FakeHub;
  let dataDir: string;
  let agent: Agent;
  let v1: SileroRelease;

  beforeAll(async () => {
    trust = await makeTestTrust();
    hub = await startFakeHub({ deviceId: DEVICE, secret: SECRET, trust: trust.trustEnvelope });
    dataDir = await mkdtemp(join(tmpdir(), 'agent-retry-'));
    v1 = await sileroRelease({ baseUrl: hub.httpUrl, version: '1', releaseCounter: 1 });
    hub.artifacts.set(v1.sha256, v1.bytes);
    agent = await startAgent({
      hubUrl: hub.httpUrl,
      deviceId: DEVICE,
      deviceSecret: SECRET,
      dataDir,
      port: 0,
      logger: SILENT_LOGGER,
      tuning: { retryBaseMs: 10, retryMaxMs: 200, maxInstallAttempts: 2, bootstrapBaseMs: 20, bootstrapMaxMs: 200, mqttReconnectMs: 100 },
    });
  });

  afterAll(async () => {
    await agent?.close();
    await hub?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reports the failure, then installs once the hub serves the artifact again', async () => {
    hub.unavailable.add(v1.sha256);
    const failed = nextEvent(agent, (e) => e.kind === 'install-failed', 'install-failed');
    const doc = await sign(makeDeployment(await sign(v1.manifest, [trust.release]), { device: DEVICE, seq: 1 }), [trust.release]);
    await hub.publishDesired(DEVICE, doc);
    expect((await failed).error?.code).toBe('E_DOWNLOAD_FAILED');
    expect(agent.status()).toMatchObject({ phase: 'failed', seq: 1, active: null, error: { code: 'E_DOWNLOAD_FAILED' } });

    const serving = nextReport(agent, (s) => s.phase === 'serving' && s.active?.version === '1', 'serving after the slow retry');
    hub.unavailable.delete(v1.sha256);
    expect(await serving).toMatchObject({ seq: 1, error: null });
    expect(hub.downloads.get(v1.sha256)).toBe(1);
  });
});
