/**
 * The agent reports its state again every `stateRefreshMs` though nothing changed: the same seq
 * and phase with a later `at`, which the hub takes as current (core/reported-state isStaleReport),
 * so a report the hub never committed (queued by the broker for a hub replica that died) is
 * replaced by the next one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateTopic, type ReportedState } from '@edgefleet/protocol';
import { isStaleReport } from '../../hub/src/core/reported-state';
import { FAST_TUNING } from './support/agent-options';
import { sileroRelease, type SileroRelease } from './support/silero';
import { startTestDevice, type TestDevice } from './support/test-device';

const DEVICE = 'dev-refresh';

describe('state refresh', () => {
  let device: TestDevice;
  let v1: SileroRelease;

  beforeAll(async () => {
    device = await startTestDevice({ deviceId: DEVICE, tmpPrefix: 'edgefleet-agent-refresh-' });
    v1 = await sileroRelease({ baseUrl: device.hub.httpUrl, version: '1', releaseCounter: 1 });
    device.hub.artifacts.set(v1.sha256, v1.bytes);
  });

  afterAll(async () => {
    await device?.close();
  });

  it('publishes the unchanged state again, with the same seq and a later time, and the hub takes it', async () => {
    await device.start({ tuning: { ...FAST_TUNING, stateRefreshMs: 150 } });
    const served = await device.publishAndServe(await device.deploy(1, v1.manifest), '1');
    const topic = stateTopic(DEVICE);
    const again = (await device.hub.nextPublish(topic, (payload) => {
      const state = payload as ReportedState;
      return state.seq === served.seq && state.phase === 'serving' && Date.parse(state.at) > Date.parse(served.at);
    })) as ReportedState;
    expect(again).toMatchObject({ device: DEVICE, seq: 1, phase: 'serving', active: { version: '1' } });
    expect(isStaleReport(served, again)).toBe(false);
  });
});
