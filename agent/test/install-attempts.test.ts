/**
 * Install attempts survive the agent being killed (issue 16, item 2). The real agent program
 * (`npm run agent`, a child process) serves v1 when its doc names v2, a model whose probe takes
 * seconds; the agent is SIGKILLed during that probe, as the kernel's OOM killer would, four times
 * (the give-up limit, maxInstallAttempts). Each attempt was counted on disk before the probe
 * began, so the fifth start gives v2 up without loading it again, reports E_PROBE_FAILED (state,
 * event, to the hub over MQTT), and v1 answers every prediction before, during and after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stateTopic, type ReleaseManifest, type TensorJson } from '@edgefleet/protocol';
import { makeRelease } from '../../test/fixtures/signing';
import { hostileInput, slowModel } from '../../test/fixtures/hostile-models';
import { freePort, runNpm, until, type RunningCommand } from '../../test/support/process';
import { runDirect, sileroInputs, sileroRelease, type SileroRelease } from './support/silero';
import { startTestDevice, type TestDevice } from './support/test-device';

const DEVICE = 'dev-attempts';
const SECRET = 'the-device-secret-value';
const MAX_ATTEMPTS = 4; // the agent's default maxInstallAttempts
const repoRoot = resolve(import.meta.dirname, '..', '..');
/** Generous: agents start through npm and tsx on a machine shared with other test files. */
const WAIT_MS = 90_000;

interface Status {
  phase: string;
  active: { version: string } | null;
  error: { code: string; message: string } | null;
}

describe('install attempts across SIGKILLs of the agent', { timeout: 400_000 }, () => {
  let device: TestDevice;
  let v1: SileroRelease;
  let slow: ReleaseManifest;
  let port: number;
  let running: { command: RunningCommand; exited: Promise<void> } | null = null;
  const v1Answers = new Map<number, TensorJson | undefined>();

  function startAgentProcess(): void {
    const command = runNpm('agent', repoRoot, {
      EDGEFLEET_HUB_URL: device.hub.httpUrl,
      EDGEFLEET_DEVICE_ID: DEVICE,
      EDGEFLEET_DEVICE_SECRET: SECRET,
      EDGEFLEET_AGENT_DATA_DIR: device.dataDir,
      EDGEFLEET_AGENT_PORT: String(port),
    });
    const exited = new Promise<void>((done) => command.child.once('exit', () => done()));
    running = { command, exited };
  }

  /** SIGKILL to the whole process group (npm, the agent, its sandbox child), as the OOM killer would the agent. */
  async function killAgent(): Promise<void> {
    if (!running) return;
    const pid = running.command.child.pid;
    if (pid !== undefined) process.kill(-pid, 'SIGKILL');
    await running.exited;
    running = null;
  }

  const status = async (): Promise<Status> => (await fetch(`http://127.0.0.1:${port}/v1/status`)).json() as Promise<Status>;
  const waitFor = (what: string, accept: (s: Status) => boolean) => until(async () => {
    const s = await status();
    return accept(s) ? s : undefined;
  }, what, WAIT_MS, () => running?.command.output().slice(-3000) ?? '');

  async function expectServedByV1(seed: number): Promise<void> {
    const inputs = sileroInputs(seed);
    const res = await fetch(`http://127.0.0.1:${port}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { version: string; outputs: Record<string, TensorJson> };
    expect(body.version).toBe('1');
    if (!v1Answers.has(seed)) v1Answers.set(seed, (await runDirect(v1.bytes, inputs)).output);
    expect(body.outputs.output).toEqual(v1Answers.get(seed));
  }

  const attemptsOnDisk = async (): Promise<unknown> => JSON.parse(await readFile(join(device.dataDir, 'install-attempts.json'), 'utf8'));

  beforeAll(async () => {
    device = await startTestDevice({ deviceId: DEVICE, secret: SECRET, tmpPrefix: 'agent-attempts-' });
    port = await freePort();
    v1 = await sileroRelease({ baseUrl: device.hub.httpUrl, version: '1', releaseCounter: 1 });
    device.hub.artifacts.set(v1.sha256, v1.bytes);
    // Harmless, only slow: seconds of MatMuls in its probe (in the sandbox, then in the agent).
    const bytes = slowModel(60);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    device.hub.artifacts.set(sha256, bytes);
    slow = makeRelease({
      model: 'vad',
      version: '2',
      releaseCounter: 2,
      artifact: { sha256, size: bytes.length, url: `${device.hub.httpUrl}/artifacts/${sha256}` },
      io: { inputs: [{ name: 'x', type: 'float32', shape: [1] }], outputs: [{ name: 'y', type: 'float32', shape: [1] }] },
      compat: { opset: 19 },
      probe: { inputs: hostileInput, expected: { y: { type: 'float32', dims: [1], data: [0.5] } }, tolerance: { abs: 1e-4, rel: 1e-3 } },
    });
  }, 120_000);

  afterAll(async () => {
    if (running) {
      await running.command.stop();
      await running.exited;
    }
    await device?.close();
  });

  it(`gives the install up at the start after ${MAX_ATTEMPTS} attempts killed mid-probe, reports it, and v1 answers throughout`, async () => {
    startAgentProcess();
    // The hub's broker keeps the doc (retained): every restart receives it again.
    await device.hub.publishDesired(DEVICE, await device.deploy(1, v1.manifest));
    await waitFor('v1 serving', (s) => s.phase === 'serving' && s.active?.version === '1');
    await expectServedByV1(1);

    await device.hub.publishDesired(DEVICE, await device.deploy(2, slow));
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (!running) startAgentProcess();
      await waitFor(`attempt ${attempt} loading v2`, (s) => s.phase === 'loading');
      // Counted and on disk before the risky step runs.
      expect(await attemptsOnDisk()).toEqual({ attempts: [{ seq: 2, sha256: slow.artifact.sha256, shadow: false, begun: attempt }] });
      await expectServedByV1(attempt);
      await killAgent();
    }

    startAgentProcess();
    const given = await waitFor('v2 given up', (s) => s.error !== null);
    const message = `vad@2: loading and probing it was started ${MAX_ATTEMPTS} times without finishing (the device runtime stopped during them: out of memory?); given up`;
    expect(given).toMatchObject({ phase: 'serving', active: { version: '1' }, error: { code: 'E_PROBE_FAILED', message } });
    await expectServedByV1(9);
    // The fifth start counted itself, then refused to load again.
    expect(await attemptsOnDisk()).toEqual({ attempts: [{ seq: 2, sha256: slow.artifact.sha256, shadow: false, begun: MAX_ATTEMPTS + 1 }] });
    // The hub hears it: the reported state over MQTT carries the error.
    const reported = await device.hub.nextPublish(stateTopic(DEVICE), (payload) => (payload as { error?: { code?: string } | null }).error?.code === 'E_PROBE_FAILED', WAIT_MS);
    expect(reported).toMatchObject({ seq: 2, phase: 'serving', active: { version: '1' }, error: { code: 'E_PROBE_FAILED', message } });

    // And it stays given up (the failure is persisted): a restart neither loads v2 nor counts
    // another attempt. Its first reconcile pass runs before it connects, so once the hub hears
    // from the new process the pass is done.
    await running?.command.stop();
    await running?.exited;
    running = null;
    const heard = device.hub.published.length;
    startAgentProcess();
    await until(async () => (device.hub.published.slice(heard).some((m) => m.topic === stateTopic(DEVICE)) ? true : undefined), 'a state from the restarted agent', WAIT_MS);
    const again = await status();
    expect(again).toMatchObject({ phase: 'serving', active: { version: '1' } });
    await expectServedByV1(10);
    expect(await attemptsOnDisk()).toEqual({ attempts: [{ seq: 2, sha256: slow.artifact.sha256, shadow: false, begun: MAX_ATTEMPTS + 1 }] });
  });
});
