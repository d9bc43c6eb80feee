/**
 * Issue 11 item 11, the whole agent against a fake hub: a new version whose artifact is the
 * serving one's (here: the same Silero file re-released with a reference profile, as a re-upload
 * with a reference dataset would be) is served, reported, counted on its own reference bins and
 * named in prediction ids as itself, the old version's window closes at the switch, and the bytes
 * are neither downloaded nor loaded again. A shadow twin of the serving bytes runs on the serving
 * session and its comparisons name its own version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodePredictionId,
  decodeStatsWindow,
  statsTopic,
  utf8Encode,
  type ReferenceProfile,
  type ReleaseManifest,
  type ReportedState,
  type StatsWindow,
  type TensorJson,
} from '@edgefleet/protocol';
import type { Agent } from '../src/agent';
import type { FakeHub } from './support/fake-hub';
import { sileroInputs, sileroRelease, type SileroRelease } from './support/silero';
import { startTestDevice, type TestDevice } from './support/test-device';
import { nextEvent } from './support/wait';

const DEVICE = 'dev-twins';
const bins = (edges: number[]) => ({ edges, counts: new Array<number>(edges.length - 1).fill(1), underflow: 0, overflow: 0, missing: 0, mean: 0, sd: 0.3 });
const REFERENCE: ReferenceProfile = {
  rows: 100,
  features: [{ name: 's0', kind: 'numeric', source: { input: 'input', index: 0 }, bins: bins([-1, 0, 1]) }],
  outputs: [{ name: 'output', kind: 'numeric', bins: bins([0, 0.5, 1]) }],
  ood: null,
};

interface PredictBody {
  version: string;
  predictionIds: string[];
}

describe('a new version with the same bytes as the serving one', () => {
  let device: TestDevice;
  let hub: FakeHub;
  let agent: Agent;
  let v1: SileroRelease;
  let v2: SileroRelease;
  const reports: ReportedState[] = [];
  const topic = statsTopic(DEVICE);
  const decoded = (payload: unknown): StatsWindow => decodeStatsWindow(utf8Encode(JSON.stringify(payload)), 'stats');
  const windows = () => hub.published.filter((m) => m.topic === topic).map((m) => decoded(m.payload));
  // A day-long interval: windows close at a switch or on flushStats, never on the timer.
  const deploy = async (seq: number, manifest: ReleaseManifest, shadow: ReleaseManifest | null = null) =>
    device.deploy(seq, manifest, { shadow: shadow ? await device.signed(shadow) : null, statsIntervalS: 86_400 });
  const predict = async (inputs: Record<string, TensorJson>): Promise<PredictBody> => {
    const res = await fetch(`${agent.localUrl}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) });
    expect(res.status).toBe(200);
    return (await res.json()) as PredictBody;
  };

  beforeAll(async () => {
    device = await startTestDevice({ deviceId: DEVICE, tmpPrefix: 'agent-twins-' });
    hub = device.hub;
    v1 = await sileroRelease({ baseUrl: hub.httpUrl, version: '1', releaseCounter: 1, reference: null });
    v2 = await sileroRelease({ baseUrl: hub.httpUrl, version: '2', releaseCounter: 2, reference: REFERENCE });
    expect(v2.sha256).toBe(v1.sha256);
    hub.artifacts.set(v1.sha256, v1.bytes);
    agent = await device.start();
    agent.onReport((state) => reports.push(state));
    await device.publishAndServe(await deploy(1, v1.manifest), '1');
  });

  afterAll(() => device?.close());

  it('is served, reported and counted as itself on the loaded session; version 1 gets no more rows', async () => {
    expect((await predict(sileroInputs(1))).version).toBe('1');
    const before = windows().length;
    const fromReport = reports.length;
    const activated = nextEvent(agent, (e) => e.kind === 'activated' && e.seq === 2, 'v2 activated');
    await hub.publishDesired(DEVICE, await deploy(2, v2.manifest));
    await activated;

    // The switch closed version 1's window with its row.
    const closed = decoded(await hub.nextPublish(topic, () => windows().length > before));
    expect(closed).toMatchObject({ version: '1', sha256: v1.sha256, n: 1, features: [] });

    // Reported as version 2, with version 1 kept for rollback; installed without a download or
    // a second read of the file (no downloading or verifying stage), probed like any install.
    expect(agent.status()).toMatchObject({ phase: 'serving', active: { model: 'vad', version: '2', sha256: v1.sha256 }, previous: { version: '1' } });
    const phases = reports.slice(fromReport).map((s) => s.phase);
    expect(phases).toContain('probing');
    expect(phases).not.toContain('downloading');
    expect(phases).not.toContain('verifying');
    expect(hub.downloads.get(v1.sha256)).toBe(1);

    const body = await predict(sileroInputs(2));
    expect(body.version).toBe('2');
    expect(decodePredictionId(body.predictionIds[0] ?? '')).toMatchObject({ device: DEVICE, model: 'vad', version: '2' });
    await agent.flushStats();
    const next = decoded(await hub.nextPublish(topic, (p) => decoded(p).version === '2'));
    // Counted on version 2's own reference bins (version 1 had none).
    expect(next).toMatchObject({ sha256: v1.sha256, n: 1, features: [{ kind: 'numeric' }], outputs: [{ kind: 'numeric' }] });
    expect(windows().filter((w) => w.version === '1')).toHaveLength(1);
  });

  it('a shadow with the serving bytes runs on the serving session and its comparisons name its own version', async () => {
    const twin = (await sileroRelease({ baseUrl: hub.httpUrl, version: '1-twin', releaseCounter: 3, reference: null })).manifest;
    const loaded = nextEvent(agent, (e) => e.kind === 'shadow-loaded' && e.seq === 3, 'shadow loaded');
    await hub.publishDesired(DEVICE, await deploy(3, v2.manifest, twin));
    await loaded;
    expect(agent.status()).toMatchObject({ active: { version: '2' }, shadow: { version: '1-twin', sha256: v1.sha256 } });

    expect((await predict(sileroInputs(3))).version).toBe('2');
    await agent.flushStats();
    const window = decoded(await hub.nextPublish(topic, (p) => decoded(p).shadow !== undefined));
    expect(window).toMatchObject({ version: '2', n: 1, shadow: { model: 'vad', version: '1-twin', sha256: v1.sha256, n: 1, agree: 1 } });
    expect(hub.downloads.get(v1.sha256)).toBe(1);
  });
});
