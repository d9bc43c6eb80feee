/**
 * Issue 11 item 11 end to end, with a real hub and a real agent: given a device serving Silero
 * VAD v5 as vad@1, when the same file is uploaded again as vad@2 (same artifact sha256) and the
 * device is pinned to it, then the agent serves and reports vad@2 without downloading the file
 * again, and the hub's statistics for vad@2 receive the windows while vad@1 receives no more;
 * when vad@1 then runs as vad@2's shadow (the serving bytes again), its comparisons arrive at the
 * hub under vad@1.
 *
 * Window timing: the hub's docs carry a 60 s stats interval, and the agent arms its first window
 * timer at a random phase of it. Math.random is pinned just below 1 while the agent starts, so
 * the timer cannot cut a window during this test; windows close at the switch and on flushStats.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Hub } from '@edgefleet/hub';
import type { Agent } from '@edgefleet/agent';
import { decodePredictionId, type StatsWindow } from '@edgefleet/protocol';
import { startArtifactCounter, type ArtifactCounter } from '../support/artifact-counter';
import { api, assign, enrol, models, predict, sileroInputs, startScenario, uploadModel, waitForEvent, waitForReport, type Scenario } from '../support/harness';

const DEVICE = 'edge-twins';

interface StatsView {
  devices: number;
  windows: number;
  merged: StatsWindow | null;
}

interface ShadowView {
  shadow: { n: number; agree: number; devices: number } | null;
}

describe('statistics under the version that served: a new version with the same bytes', () => {
  let scenario: Scenario;
  let hub: Hub;
  let agent: Agent;
  let artifacts: ArtifactCounter;
  let sha256 = '';
  const downloads = () => artifacts.requests.filter((r) => r.device === DEVICE).length;

  const stats = async (version: string): Promise<StatsView> => {
    const reply = await api<StatsView>(hub, 'GET', `/api/v1/models/vad/versions/${version}/stats?device=${DEVICE}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body;
  };
  /** `count` frames through the local API, each answered by `version`; then the window is closed. */
  const serveFrames = async (first: number, count: number, version: string): Promise<void> => {
    for (let seed = first; seed < first + count; seed++) {
      const reply = await predict(agent, sileroInputs(seed));
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      expect(reply.body.version).toBe(version);
    }
    await agent.flushStats();
  };

  beforeAll(async () => {
    // Artifact URLs go through a counting proxy: it tells whether the agent fetched the file again.
    artifacts = await startArtifactCounter();
    scenario = await startScenario({ publicUrl: artifacts.url });
    hub = scenario.hub;
    artifacts.setTarget(hub.httpUrl);
    sha256 = (await uploadModel(hub, 'vad', models.sileroV5, '1')).sha256;
    const secret = await enrol(hub, DEVICE);
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.9999);
    try {
      agent = await scenario.startAgent(DEVICE, secret);
    } finally {
      random.mockRestore();
    }
    const serving = waitForReport(agent, (s) => s.phase === 'serving' && s.active?.version === '1', 'serving vad@1');
    expect((await assign(hub, DEVICE, 'vad', '1')).status).toBe(200);
    await serving;
    expect(downloads()).toBe(1);
  });

  afterAll(async () => {
    await scenario?.close();
    await artifacts?.close();
  });

  it('given vad@1 serving, its windows reach the hub under vad@1', async () => {
    await serveFrames(1, 3, '1');
    await expect.poll(async () => (await stats('1')).windows, { timeout: 10_000, interval: 50 }).toBe(1);
    expect((await stats('1')).merged?.n).toBe(3);
  });

  it('when vad@2 with the same bytes is pinned, the windows go to vad@2 and vad@1 receives no more', async () => {
    const twin = await uploadModel(hub, 'vad', models.sileroV5, '2');
    expect(twin.sha256).toBe(sha256);

    const activated = waitForEvent(agent, (e) => e.kind === 'activated' && e.model?.version === '2', 'vad@2 activated');
    expect((await assign(hub, DEVICE, 'vad', '2')).status).toBe(200);
    await activated;
    expect(agent.status()).toMatchObject({ phase: 'serving', active: { model: 'vad', version: '2', sha256 }, previous: { version: '1' } });
    expect(downloads()).toBe(1); // the bytes it serves already: not fetched again
    // The hub sees the device on vad@2.
    await expect
      .poll(async () => (await api<{ state: { active: { version: string } | null } | null }>(hub, 'GET', `/api/v1/devices/${DEVICE}`)).body.state?.active?.version, { timeout: 10_000, interval: 50 })
      .toBe('2');

    const reply = await predict(agent, sileroInputs(10));
    expect(reply.body.version).toBe('2');
    // The harness types the reply without its ids; they are there (PROTOCOL prediction ids).
    const { predictionIds } = reply.body as typeof reply.body & { predictionIds: string[] };
    expect(decodePredictionId(predictionIds[0] ?? '')).toMatchObject({ device: DEVICE, model: 'vad', version: '2' });
    await agent.flushStats();
    await serveFrames(11, 4, '2');

    await expect.poll(async () => (await stats('2')).merged?.n ?? 0, { timeout: 10_000, interval: 50 }).toBe(5);
    expect(await stats('2')).toMatchObject({ devices: 1, windows: 2, merged: { model: 'vad', version: '2', sha256 } });
    // vad@1 kept exactly what it served.
    expect(await stats('1')).toMatchObject({ windows: 1, merged: { n: 3 } });
  });

  it('when vad@1 runs as the shadow of vad@2 (the serving bytes), its comparisons arrive under vad@1', async () => {
    const loaded = waitForEvent(agent, (e) => e.kind === 'shadow-loaded' && e.model?.version === '1', 'shadow vad@1 loaded');
    const reply = await api(hub, 'PUT', `/api/v1/devices/${DEVICE}/assignment`, { model: 'vad', version: '2', shadow: { model: 'vad', version: '1' } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    await loaded;
    expect(agent.status()).toMatchObject({ active: { version: '2' }, shadow: { version: '1', sha256 } });

    await serveFrames(20, 3, '2');
    const shadow = async () => (await api<ShadowView>(hub, 'GET', `/api/v1/models/vad/versions/1/shadow?device=${DEVICE}`)).body.shadow;
    await expect.poll(async () => (await shadow())?.n ?? 0, { timeout: 10_000, interval: 50 }).toBe(3);
    expect(await shadow()).toMatchObject({ n: 3, agree: 3, devices: 1 });
    await expect.poll(async () => (await stats('2')).merged?.n ?? 0, { timeout: 10_000, interval: 50 }).toBe(8);
    expect((await stats('1')).merged?.n).toBe(3);
    expect(downloads()).toBe(1);
  });
});
