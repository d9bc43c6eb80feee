/**
 * The installable agent (issue 15): `npm pack` of the agent gives a tarball that installs into an
 * empty directory with nothing of the workspace or the hub in it (onnxruntime-node its one
 * dependency, its postinstall download skipped as docs/agent.md says), and its `edgefleet-agent`
 * bin (also through `npx edgefleet-agent`), given its secret in a file, serves a model a real hub
 * assigns and answers POST /v1/predict with the example body GET /v1/model gives, keeping its
 * state in the user's state directory whatever the working directory. The tarball holds the
 * built program, the unit, the env example and the bundled packages' licence notices, nothing
 * else; without its settings the bin exits 2 naming them. Pack and install time are measured.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import { startHub, type Hub } from '@edgefleet/hub';
import { assign, enrol, models, tempDir, testLogger, uploadModel, type TempDir } from '../support/harness';
import { freePort, until } from '../support/process';
import { testDatabase } from '../support/test-database';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '..', '..');
/** What a device operator sets (docs/agent.md): onnxruntime-node's postinstall would fetch GPU libraries. */
const INSTALL_ENV = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' };

interface ModelBody {
  model: string;
  version: string;
  inputs: Array<{ name: string }>;
  exampleRequest: { inputs: Record<string, unknown> } | null;
  exampleSource: string;
}

/** Package names installed under node_modules (scoped ones as @scope/name), nested ones included. */
async function installedPackages(nodeModules: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(nodeModules, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const scoped = entry.name.startsWith('@') ? (await readdir(join(nodeModules, entry.name))).map((name) => `${entry.name}/${name}`) : [entry.name];
    for (const name of scoped) names.push(name, ...(await installedPackages(join(nodeModules, name, 'node_modules'))));
  }
  return names;
}

/** Bytes on disk under `dir` (files and directories, symlinks not followed), as du counts them. */
async function diskBytes(dir: string): Promise<number> {
  let total = (await lstat(dir)).blocks * 512;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? await diskBytes(path) : (await lstat(path)).blocks * 512;
  }
  return total;
}

describe('the packed agent', () => {
  let hub: Hub | undefined;
  let child: ChildProcess | undefined;
  const dirs: TempDir[] = [];
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child?.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    await hub?.close();
    for (const dir of dirs) await dir.remove();
  });

  it('packs, installs into an empty directory with only what it needs, and serves a model from its bin', { timeout: 120_000 }, async () => {
    const work = await tempDir('packed');
    dirs.push(work);
    const packDir = join(work.path, 'pack');
    const deviceDir = join(work.path, 'device');
    await mkdir(packDir);
    await mkdir(deviceDir);

    const packStarted = Date.now();
    const packed = await run('npm', ['pack', '-w', '@edgefleet/agent', '--pack-destination', packDir, '--json'], { cwd: repoRoot, env: process.env });
    const packMs = Date.now() - packStarted;
    const [tarball] = await readdir(packDir);
    expect(tarball).toMatch(/^edgefleet-agent-\d+\.\d+\.\d+\.tgz$/);
    // The program, its sandbox child, the unit and env example, the bundled packages' notices: no sources, maps or tests.
    const [listing] = JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>;
    expect(listing?.files.map((file) => file.path).sort()).toEqual([
      'README.md',
      'dist/THIRD_PARTY_LICENSES.txt',
      'dist/deploy/agent.env.example',
      'dist/deploy/edgefleet-agent.service',
      'dist/edgefleet-agent.js',
      'dist/probe-sandbox-child.mjs',
      'package.json',
    ]);

    const installStarted = Date.now();
    await writeFile(join(deviceDir, 'package.json'), '{ "name": "edgefleet-device", "private": true }\n');
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--prefix', deviceDir, join(packDir, tarball ?? '')], { cwd: deviceDir, env: INSTALL_ENV });
    const installMs = Date.now() - installStarted;
    process.stderr.write(`packed agent: npm pack ${packMs} ms, npm install ${installMs} ms\n`);

    const installed = await installedPackages(join(deviceDir, 'node_modules'));
    expect(installed).toContain('@edgefleet/agent');
    expect(installed).toContain('onnxruntime-node');
    expect(installed.filter((name) => name.startsWith('@edgefleet/'))).toEqual(['@edgefleet/agent']);
    for (const unwanted of ['better-sqlite3', 'aedes', 'drizzle-orm', 'pg', 'hono', '@hono/node-server', 'mqtt', 'zod', 'undici', 'esbuild', 'tsx']) expect(installed, unwanted).not.toContain(unwanted);
    const manifest = JSON.parse(await readFile(join(deviceDir, 'node_modules', '@edgefleet', 'agent', 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).toEqual(['onnxruntime-node']);
    const bin = join(deviceDir, 'node_modules', '.bin', 'edgefleet-agent');
    expect((await run(bin, ['--version'], { cwd: deviceDir })).stdout.trim()).toBe(manifest.version);
    expect((await run('npx', ['--no-install', 'edgefleet-agent', '--version'], { cwd: deviceDir })).stdout.trim()).toBe(manifest.version);
    const notices = await readFile(join(deviceDir, 'node_modules', '@edgefleet', 'agent', 'dist', 'THIRD_PARTY_LICENSES.txt'), 'utf8');
    for (const bundled of ['mqtt', 'hono', 'zod', 'undici', 'ws']) expect(notices, bundled).toMatch(new RegExp(`^${bundled}@\\d+\\.\\d+\\.\\d+ \\(MIT\\)$`, 'm'));
    // onnxruntime-node is the size (its libraries for every platform); the rest is the agent and a few helpers.
    const total = await diskBytes(join(deviceDir, 'node_modules'));
    const runtime = await diskBytes(join(deviceDir, 'node_modules', 'onnxruntime-node'));
    process.stderr.write(`packed agent installed: ${(total / 2 ** 20).toFixed(0)} MiB, of which onnxruntime-node ${(runtime / 2 ** 20).toFixed(0)} MiB\n`);
    expect(total - runtime).toBeLessThan(10 * 2 ** 20);

    // Without its settings it says which are missing and exits 2 (the unit does not restart it then).
    const { EDGEFLEET_DEVICE_SECRET: _unused, ...parentEnv } = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('EDGEFLEET_') && name !== 'STATE_DIRECTORY'));
    const unconfigured = await run(bin, [], { cwd: deviceDir, env: parentEnv }).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(unconfigured.code).toBe(2);
    expect(unconfigured.stdout).toContain('EDGEFLEET_HUB_URL: is required');

    const hubDir = await tempDir('packed-hub');
    dirs.push(hubDir);
    hub = await startHub({ ...(await testDatabase(hubDir.path)), dataDir: hubDir.path, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'test-admin-token', logger: testLogger });
    await uploadModel(hub, 'vad', models.sileroV5, '1');
    const secret = await enrol(hub, 'packed-1');
    const secretFile = join(work.path, 'device-secret');
    await writeFile(secretFile, `${secret}\n`);
    await chmod(secretFile, 0o600);

    const port = await freePort();
    // No EDGEFLEET_AGENT_DATA_DIR: the default is the user's state directory, not the working directory.
    const stateHome = join(work.path, 'state-home');
    let output = '';
    child = spawn(bin, [], {
      cwd: deviceDir,
      env: { ...parentEnv, XDG_STATE_HOME: stateHome, EDGEFLEET_HUB_URL: hub.httpUrl, EDGEFLEET_DEVICE_ID: 'packed-1', EDGEFLEET_DEVICE_SECRET_FILE: secretFile, EDGEFLEET_AGENT_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const local = `http://127.0.0.1:${port}`;
    await until(async () => ((await fetch(`${local}/healthz`)).ok ? true : undefined), 'the packed agent to listen', 20_000, () => output);
    expect((await assign(hub, 'packed-1', 'vad', '1')).status).toBe(200);
    await until(
      async () => {
        const status = (await (await fetch(`${local}/v1/status`)).json()) as { phase: string; active: { version: string } | null; hub: { state: string } };
        return status.phase === 'serving' && status.active?.version === '1' && status.hub.state === 'connected' ? status : undefined;
      },
      'the packed agent serving vad@1',
      30_000,
      () => output,
    );

    expect(output).toContain(`"dataDir":${JSON.stringify(join(stateHome, 'edgefleet-agent'))}`);
    expect(JSON.parse(await readFile(join(stateHome, 'edgefleet-agent', 'state.json'), 'utf8'))).toBeTruthy();
    expect(await readdir(deviceDir)).not.toContain('agent-data');

    const described = (await (await fetch(`${local}/v1/model`)).json()) as ModelBody;
    expect(described).toMatchObject({ model: 'vad', version: '1', exampleSource: 'probe' });
    expect(described.inputs.map((input) => input.name)).toEqual(['input', 'state', 'sr']);
    const answer = await fetch(`${local}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(described.exampleRequest) });
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { model: string; version: string; outputs: Record<string, { dims: number[] }>; predictionIds: string[] };
    expect(body).toMatchObject({ model: 'vad', version: '1' });
    expect(body.outputs.output?.dims).toEqual([1, 1]);
    expect(body.predictionIds).toHaveLength(1);

    const exited = new Promise<number | null>((done) => child?.once('exit', (code) => done(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).not.toContain(secret);
    expect(output).toContain('"msg":"agent stopped"');
  });
});
