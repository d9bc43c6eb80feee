/**
 * THREATS row 17 (docs/threats.md): crash mid-update. The agent runs as its own process and is
 * killed with SIGKILL after each step of an update from version 1 to 2 (the doc accepted,
 * announced, half downloaded, downloaded, loaded, probed, activated), then started
 * again on the same data dir. After every kill its state files parse and name one whole release
 * whose file is intact; every prediction any run answered is version 1's or, once activated,
 * version 2's, exactly; the last run serves version 2 with version 1 kept as previous.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentStore } from '../../src/adapters/store';
import { until } from '../../../test/support/process';
import type { AgentProcessConfig, KillPoint } from '../support/agent-process';
import { runDirect, SILERO_V6, sileroRelease, type SileroRelease } from '../support/silero';
import { THREAT_INPUTS, type Answer } from '../support/threat-bench';
import { startTestDevice, type TestDevice } from '../support/test-device';

const DEVICE = 'threat-crash';
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

interface Reply {
  status: number;
  body: Answer;
}

interface Run {
  child: ChildProcess;
  url: Promise<string>;
  exited: Promise<NodeJS.Signals | number | null>;
  /** every prediction answered while it ran (those cut off by its death are not answers) */
  replies: Reply[];
  output: () => string;
}

describe('THREATS 17: crash mid-update', { timeout: 300_000 }, () => {
  let device: TestDevice;
  let v1: SileroRelease;
  let v2: SileroRelease;
  let answers: { v1: Answer; v2: Answer };
  const runs: Run[] = [];

  const answerOf = async (release: SileroRelease): Promise<Answer> =>
    JSON.parse(JSON.stringify({ model: 'vad', version: release.manifest.version, outputs: await runDirect(release.bytes, THREAT_INPUTS) })) as Answer;

  beforeAll(async () => {
    device = await startTestDevice({ deviceId: DEVICE, tmpPrefix: 'threat-crash-' });
    v1 = await sileroRelease({ baseUrl: device.hub.httpUrl, version: '1', releaseCounter: 1 });
    v2 = await sileroRelease({ baseUrl: device.hub.httpUrl, version: '2', releaseCounter: 2 }, SILERO_V6);
    device.hub.artifacts.set(v1.sha256, v1.bytes);
    device.hub.artifacts.set(v2.sha256, v2.bytes);
    answers = { v1: await answerOf(v1), v2: await answerOf(v2) };
  }, 120_000);
  afterAll(async () => {
    for (const run of runs) kill(run.child);
    await Promise.all(runs.map((run) => run.exited));
    await device?.close();
  }, 60_000);

  /** Starts the agent process; it predicts back to back from the moment it listens (or `from`) until it dies. */
  function launch(killAt?: KillPoint, from: Promise<unknown> = Promise.resolve()): Run {
    const config: AgentProcessConfig = { hubUrl: device.hub.httpUrl, deviceId: DEVICE, secret: 'the-device-secret-value', dataDir: device.dataDir, ...(killAt ? { killAt } : {}) };
    // Its own process group, so anything it started dies with it (kill below).
    const child = spawn(process.execPath, ['--import', 'tsx', 'agent/test/support/agent-process.ts'], {
      cwd: repoRoot,
      env: { ...process.env, THREAT_AGENT: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
    const url = until(async () => (/\{"ready":"([^"]+)"\}/.exec(output)?.[1] ?? undefined), 'the agent process to listen', 60_000, () => output);
    const run: Run = { child, url, exited, replies: [], output: () => output };
    runs.push(run);
    let alive = true;
    void exited.then(() => {
      alive = false;
      kill(child); // what it may have left running (a sandbox child) goes with its group
    });
    void Promise.all([url, from]).then(async ([base]) => {
      while (alive) {
        const reply = await predictRaw(base).catch(() => null);
        if (reply) run.replies.push(reply);
      }
    }, () => undefined);
    return run;
  }

  const predictRaw = async (base: string): Promise<Reply> => {
    const res = await fetch(`${base}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: THREAT_INPUTS }) });
    const body = (await res.json()) as Answer;
    return { status: res.status, body: { model: body.model, version: body.version, outputs: body.outputs } };
  };
  const predictAt = async (base: string): Promise<Answer> => {
    const reply = await predictRaw(base);
    expect(reply.status).toBe(200);
    return reply.body;
  };
  const status = async (run: Run): Promise<{ phase: string; active: { version: string } | null; previous: { version: string } | null }> =>
    (await (await fetch(`${await run.url}/v1/status`)).json()) as never;

  /** What is on disk after a kill: parseable state, one whole active release, only hash-named files. */
  async function expectConsistent(active: SileroRelease, previous: SileroRelease | null): Promise<void> {
    const store = new AgentStore(device.dataDir);
    const state = await store.loadState();
    const trust = await store.loadTrust();
    expect(state.kind).toBe('ok');
    expect(trust.kind).toBe('ok');
    if (state.kind !== 'ok') return;
    expect(state.value).toMatchObject({ lastSeq: 2, active: { manifest: { version: active.manifest.version, artifact: { sha256: active.sha256 } } } });
    expect(state.value.previous?.manifest.version ?? null).toBe(previous?.manifest.version ?? null);
    const file = await readFile(join(device.dataDir, 'models', `${active.sha256}.onnx`));
    expect(createHash('sha256').update(file).digest('hex')).toBe(active.sha256);
    for (const name of await readdir(join(device.dataDir, 'models'))) expect(name).toMatch(/^[0-9a-f]{64}\.onnx$/);
    for (const name of await readdir(join(device.dataDir, 'tmp'))) expect(name).toBe(`${v2.sha256}.part`);
  }

  it('THREATS 17: SIGKILL after each step and a restart: the old or the new model, whole, never a mix; state files parse', async () => {
    // Version 1 installed by a process that will die the moment it accepts the doc of version 2.
    let serving!: () => void;
    let run = launch({ seq: 2 }, new Promise<void>((resolve) => (serving = resolve)));
    await run.url;
    await device.hub.publishDesired(DEVICE, await device.deploy(1, v1.manifest));
    await until(async () => ((await status(run)).active?.version === '1' ? true : undefined), 'version 1 serving', 60_000, run.output);
    serving();
    expect(await predictAt(await run.url)).toEqual(answers.v1);
    await device.hub.publishDesired(DEVICE, await device.deploy(2, v2.manifest));
    expect(await run.exited).toBe('SIGKILL');
    await expectConsistent(v1, null);

    // Announced (install-started), then killed.
    run = launch({ event: 'install-started' });
    expect(await run.exited).toBe('SIGKILL');
    await expectConsistent(v1, null);

    // Half downloaded: the server holds the rest; version 1 answers meanwhile; killed from outside.
    const half = Math.floor(v2.bytes.length / 2);
    device.hub.artifactHandlers.set(v2.sha256, (_req, res) => {
      res.writeHead(200, { 'content-length': v2.bytes.length });
      res.write(v2.bytes.subarray(0, half));
    });
    run = launch();
    const part = join(device.dataDir, 'tmp', `${v2.sha256}.part`);
    await until(async () => ((await stat(part)).size === half ? true : undefined), 'half of version 2 on disk', 60_000, run.output);
    expect(await predictAt(await run.url)).toEqual(answers.v1);
    kill(run.child);
    expect(await run.exited).toBe('SIGKILL');
    await expectConsistent(v1, null);
    device.hub.artifactHandlers.delete(v2.sha256);
    const rangesBefore = device.hub.downloads.get(v2.sha256) ?? 0;

    // Each later step: the restart resumes where the last run stopped and dies after the next step.
    const steps: Array<[string, KillPoint]> = [
      ['downloaded (verifying)', { phase: 'verifying' }],
      ['loaded (probing)', { phase: 'probing' }],
      ['probed (installed)', { event: 'installed' }],
    ];
    for (const [name, killAt] of steps) {
      run = launch(killAt);
      expect(await run.exited, `${name}\n${run.output()}`).toBe('SIGKILL');
      await expectConsistent(v1, null);
    }
    expect(device.hub.downloads.get(v2.sha256)).toBe(rangesBefore + 1); // resumed once, never again
    expect(await readFile(join(device.dataDir, 'models', `${v2.sha256}.onnx`))).toEqual(Buffer.from(v2.bytes));

    run = launch({ event: 'activated' });
    expect(await run.exited).toBe('SIGKILL');
    await expectConsistent(v2, v1);

    // The last restart serves version 2 from disk, version 1 kept as previous.
    run = launch();
    await until(async () => ((await status(run)).phase === 'serving' ? true : undefined), 'serving after the last restart', 60_000, run.output);
    expect(await status(run)).toMatchObject({ active: { version: '2' }, previous: { version: '1' } });
    expect(await predictAt(await run.url)).toEqual(answers.v2);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    await expectConsistent(v2, v1);

    // Every answer of every run was one version's, whole; version 2 only from the run that activated it on.
    const activatedAt = runs.length - 2;
    runs.forEach((r, i) => {
      const allowed = (i >= activatedAt ? [answers.v1, answers.v2] : [answers.v1]).map((body) => ({ status: 200, body }));
      for (const reply of r.replies) expect(allowed).toContainEqual(reply);
    });
    expect(runs.reduce((n, r) => n + r.replies.length, 0)).toBeGreaterThan(2);
  });
});

function kill(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}
