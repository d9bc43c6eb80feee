/**
 * Signed models that attack the device's memory or files (issue 16, items 2 and 7), given to a
 * real agent by a fake hub that signs whatever it is told (the hub's own upload checks bypassed):
 * the outside review's ConstantOfShape of 805M floats is refused by the file scan before anything
 * opens it; the same allocation computed at run time is stopped in the memory-capped sandbox;
 * external data is refused before loading; a probe slower than the deadline is stopped. Each
 * time the agent reports the typed error (state and event), and v1 answers every prediction
 * before, during and after, exactly as a bare onnxruntime session does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { DeviceEvent, ErrorCode, ReleaseManifest, ReportedState, TensorJson } from '@edgefleet/protocol';
import type { Agent } from '../src/agent';
import { parseAgentEnv, resolveOptions } from '../src/config';
import { makeRelease } from '../../test/fixtures/signing';
import { BOMB_ELEMENTS, computedShapeBomb, constantOfShapeBomb, externalDataModel, hostileInput, slowModel } from '../../test/fixtures/hostile-models';
import { runDirect, sileroInputs, sileroRelease, type SileroRelease } from './support/silero';
import { startTestDevice, type TestDevice } from './support/test-device';
import { nextEvent, nextReport } from './support/wait';
import { until } from '../../test/support/process';

const DEVICE = 'dev-memory';
const MEMORY_MB = 256;
/** Generous: the machine is shared with other test files. */
const WAIT_MS = 60_000;

/** This process's sandbox children still alive (probe-sandbox-child.mjs). */
async function sandboxChildren(): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const [cmdline, status] = await Promise.all([readFile(`/proc/${entry}/cmdline`, 'utf8'), readFile(`/proc/${entry}/status`, 'utf8')]);
      if (Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) === process.pid && cmdline.includes('probe-sandbox-child.mjs')) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('model memory and external data on the agent', { timeout: 120_000 }, () => {
  let device: TestDevice;
  let agent: Agent;
  let v1: SileroRelease;
  let counter = 1;

  /** A signed release of `bytes` (x float32 [1] -> y float32 [1]) served by the fake hub. */
  function hostileRelease(bytes: Uint8Array, expectedY = 0.5): ReleaseManifest {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    device.hub.artifacts.set(sha256, bytes);
    counter++;
    return makeRelease({
      model: 'vad',
      version: String(counter),
      releaseCounter: counter,
      artifact: { sha256, size: bytes.length, url: `${device.hub.httpUrl}/artifacts/${sha256}` },
      io: { inputs: [{ name: 'x', type: 'float32', shape: [1] }], outputs: [{ name: 'y', type: 'float32', shape: [1] }] },
      compat: { opset: 19 },
      probe: { inputs: hostileInput, expected: { y: { type: 'float32', dims: [1], data: [expectedY] } }, tolerance: { abs: 1e-4, rel: 1e-3 } },
    });
  }

  /** v1's answers from a bare onnxruntime session, per seed (computed once: sessions are not free) */
  const truth = new Map<number, TensorJson | undefined>();

  async function predictV1(seed: number): Promise<TensorJson | undefined> {
    const inputs = sileroInputs(seed);
    const res = await fetch(`${agent.localUrl}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { version: string; outputs: Record<string, TensorJson> };
    expect(body.version).toBe('1');
    if (!truth.has(seed)) truth.set(seed, (await runDirect(v1.bytes, inputs)).output);
    expect(body.outputs.output).toEqual(truth.get(seed));
    return body.outputs.output;
  }

  /**
   * Deploys `release` as `seq` while predictions keep going, and resolves with the report of its
   * refusal (`code`): v1 answered before, during and after, and kept serving.
   */
  async function refused(seq: number, release: ReleaseManifest, code: ErrorCode): Promise<{ state: ReportedState; event: DeviceEvent }> {
    const before = await predictV1(seq);
    const reported = nextReport(agent, (s) => s.seq === seq && s.error?.code === code, `seq ${seq} refused with ${code}`, WAIT_MS);
    const failed = nextEvent(agent, (e) => e.kind === 'install-failed' && e.seq === seq, `install-failed ${seq}`, WAIT_MS);
    let predicting = true;
    let during = 0;
    const loop = (async () => {
      // A few seeds over and over, paced: the test and the agent share one process and its cores.
      for (let i = 0; predicting; i++, during++) {
        await predictV1(100 + (i % 4));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await device.hub.publishDesired(DEVICE, await device.deploy(seq, release));
    const state = await reported;
    const event = await failed;
    predicting = false;
    await loop;
    expect(during).toBeGreaterThan(0);
    expect(await predictV1(seq)).toEqual(before);
    expect(state).toMatchObject({ phase: 'serving', active: { version: '1' } });
    expect(agent.status()).toMatchObject({ phase: 'serving', active: { version: '1' }, error: { code } });
    // Whatever the sandbox started is gone.
    expect(await sandboxChildren()).toEqual([]);
    return { state, event };
  }

  beforeAll(async () => {
    device = await startTestDevice({ deviceId: DEVICE, tmpPrefix: 'agent-memory-' });
    v1 = await sileroRelease({ baseUrl: device.hub.httpUrl, version: '1', releaseCounter: 1 });
    device.hub.artifacts.set(v1.sha256, v1.bytes);
    agent = await device.start({ modelMemoryMb: MEMORY_MB });
    await device.publishAndServe(await device.deploy(1, v1.manifest), '1');
  }, 120_000);

  afterAll(() => device?.close());

  it("refuses the outside review's ConstantOfShape of 805M floats before loading it: E_PROBE_FAILED naming the node and the device's limit", async () => {
    const bomb = hostileRelease(constantOfShapeBomb());
    const { state, event } = await refused(2, bomb, 'E_PROBE_FAILED');
    const message = `load: vad@2: refused before loading: ConstantOfShape node 'ConstantOfShape_node' makes ${BOMB_ELEMENTS} elements (3071 MiB), more than this device allows models (${MEMORY_MB} MiB, EDGEFLEET_AGENT_MODEL_MEMORY_MB)`;
    expect(state.error).toEqual({ code: 'E_PROBE_FAILED', message });
    expect(event).toMatchObject({ model: { version: '2' }, error: { code: 'E_PROBE_FAILED', message } });
  });

  it('stops the same allocation computed at run time in the sandbox: E_PROBE_FAILED naming the limit and what onnxruntime asked for', async () => {
    const { state } = await refused(3, hostileRelease(computedShapeBomb()), 'E_PROBE_FAILED');
    expect(state.error?.message).toMatch(
      new RegExp(`^load: vad@3: the model needs more memory than this device allows models \\(${MEMORY_MB} MiB, EDGEFLEET_AGENT_MODEL_MEMORY_MB\\) to (load|run its probe): .*Failed to allocate memory for requested buffer of size ${BOMB_ELEMENTS * 4}`),
    );
  });

  it('refuses external data before loading, in an initializer or a Constant node: E_LOAD_FAILED', async () => {
    const { state } = await refused(4, hostileRelease(externalDataModel()), 'E_LOAD_FAILED');
    expect(state.error?.message).toBe("load: vad@4: refused before loading: initializer 'w' keeps its data in an external file; a device runs a model from its one signed file only");
    const constant = await refused(5, hostileRelease(externalDataModel('constant')), 'E_LOAD_FAILED');
    expect(constant.state.error?.message).toBe("load: vad@5: refused before loading: attribute of a Constant 'w' keeps its data in an external file; a device runs a model from its one signed file only");
  });

  it('stops a probe slower than EDGEFLEET_AGENT_PROBE_TIMEOUT_S; after a restart v1 serves again from disk without the sandbox', async () => {
    await agent.close();
    agent = await device.start({ modelMemoryMb: MEMORY_MB, probeTimeoutMs: 1000 });
    await expect.poll(() => agent.status().active?.version ?? null).toBe('1');
    const { state } = await refused(6, hostileRelease(slowModel(400)), 'E_PROBE_FAILED');
    // Under load, starting the sandbox and creating the session alone may take the second.
    expect(state.error?.message).toMatch(/^load: vad@6: the model did not (load|run its probe) within 1 s \(EDGEFLEET_AGENT_PROBE_TIMEOUT_S\)$/);
  });

  it('a newer doc stops a sandbox at work at once; a harmless model passes the sandbox and serves', async () => {
    await agent.close();
    agent = await device.start({ modelMemoryMb: MEMORY_MB });
    // Minutes of probe, well within the memory limit: only the 60 s deadline would end it.
    const slow = hostileRelease(slowModel(3000));
    const loading = nextReport(agent, (s) => s.seq === 7 && s.phase === 'loading', 'the slow model in the sandbox', WAIT_MS);
    await device.hub.publishDesired(DEVICE, await device.deploy(7, slow));
    await loading;
    await until(async () => ((await sandboxChildren()).length === 1 ? true : undefined), 'the sandbox child running', WAIT_MS);
    const harmless = hostileRelease(constantOfShapeBomb(1000), 1000.5);
    const serving = nextReport(agent, (s) => s.phase === 'serving' && s.active?.version === harmless.version, 'harmless serves', 45_000);
    await device.hub.publishDesired(DEVICE, await device.deploy(8, harmless));
    expect((await serving).error).toBeNull();
    const res = await fetch(`${agent.localUrl}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: { x: { dims: [1], data: [0.25] } } }) });
    expect(await res.json()).toMatchObject({ version: harmless.version, outputs: { y: { type: 'float32', dims: [1], data: [1000.25] } } });
    expect(await sandboxChildren()).toEqual([]);
  });
});

describe('the sandbox settings', () => {
  const base = { EDGEFLEET_HUB_URL: 'http://hub:8080', EDGEFLEET_DEVICE_ID: 'dev-1', EDGEFLEET_DEVICE_SECRET: 'secret' };
  it('EDGEFLEET_AGENT_MODEL_MEMORY_MB and EDGEFLEET_AGENT_PROBE_TIMEOUT_S are read, bounded, and named when wrong', () => {
    const options = parseAgentEnv({ ...base, EDGEFLEET_AGENT_MODEL_MEMORY_MB: '1024', EDGEFLEET_AGENT_PROBE_TIMEOUT_S: '30' }).options;
    expect(options).toMatchObject({ modelMemoryMb: 1024, probeTimeoutMs: 30_000 });
    expect(resolveOptions({ ...options, deviceSecret: 's' }).modelLimits).toEqual({ memoryMb: 1024, timeoutMs: 30_000 });
    expect(resolveOptions({ hubUrl: 'http://hub', deviceId: 'd', deviceSecret: 's', dataDir: '/tmp/x' }).modelLimits).toEqual({ memoryMb: 512, timeoutMs: 60_000 });
    expect(() => parseAgentEnv({ ...base, EDGEFLEET_AGENT_MODEL_MEMORY_MB: '64' })).toThrow(/EDGEFLEET_AGENT_MODEL_MEMORY_MB/);
    expect(() => parseAgentEnv({ ...base, EDGEFLEET_AGENT_PROBE_TIMEOUT_S: '0' })).toThrow(/EDGEFLEET_AGENT_PROBE_TIMEOUT_S/);
    expect(() => resolveOptions({ hubUrl: 'http://hub', deviceId: 'd', deviceSecret: 's', dataDir: '/tmp/x', modelMemoryMb: 100 })).toThrow('invalid modelMemoryMb: must be a whole number of MiB from 128 to 1048576');
  });
});
