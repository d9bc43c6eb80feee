/**
 * A real Mosquitto 2 (Debian's `mosquitto` package, with its dynamic-security plugin) for tests:
 * the repository's sample config (deploy/mosquitto/mosquitto.conf) with only the listener bound
 * to a free local port and its paths moved into a temp dir, and the plugin's file created by
 * `mosquitto_ctrl dynsec init` with the hub's user, as the sample's comment tells operators.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { freePort } from './process';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const MOSQUITTO_HUB = { username: 'edgefleet-hub', password: 'hub-secret:p@ss' };
const SAMPLE = new URL('../../deploy/mosquitto/mosquitto.conf', import.meta.url);

export interface Mosquitto {
  port: number;
  /** the hub's EDGEFLEET_BROKER_URL */
  hubUrl: string;
  /** another hub user, an admin of the dynamic-security plugin like the first (a second replica's), made with mosquitto_ctrl as an operator would */
  addHubUser(username: string, password: string): Promise<void>;
  /** stops it; start() brings it back on the same port with its persisted state */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited with ${child.exitCode}: ${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port} within ${deadlineMs} ms: ${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startMosquitto(): Promise<Mosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-mosquitto-'));
  const port = await freePort();
  try {
    await promisify(execFile)('mosquitto_ctrl', ['dynsec', 'init', join(dir, 'dynamic-security.json'), MOSQUITTO_HUB.username, MOSQUITTO_HUB.password]);
  } catch (error) {
    throw new Error(`mosquitto_ctrl failed (install Debian's mosquitto package): ${String(error)}`, { cause: error });
  }
  const sample = await readFile(SAMPLE, 'utf8');
  const config = sample
    .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
    .replaceAll('/var/lib/mosquitto/', `${dir}/`)
    // Stay the user the tests run as (as root, Mosquitto would otherwise switch to `mosquitto`,
    // which cannot read the test's private temp dir).
    .concat(`\nuser ${userInfo().username}\n`);
  if (!config.includes(`listener ${port}`)) throw new Error('deploy/mosquitto/mosquitto.conf has no "listener 1883" line to rebind');
  await writeFile(join(dir, 'mosquitto.conf'), config);
  let child: ChildProcess | null = null;
  let output = '';
  const start = async (): Promise<void> => {
    output = '';
    const started = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child = started;
    await waitForPort(port, started, () => output);
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    port,
    hubUrl: `mqtt://${MOSQUITTO_HUB.username}:${encodeURIComponent(MOSQUITTO_HUB.password)}@127.0.0.1:${port}`,
    async addHubUser(username, password) {
      const ctrl = (...args: string[]) => promisify(execFile)('mosquitto_ctrl', ['-h', '127.0.0.1', '-p', String(port), '-u', MOSQUITTO_HUB.username, '-P', MOSQUITTO_HUB.password, 'dynsec', ...args]);
      await ctrl('createClient', username, '-p', password);
      await ctrl('addClientRole', username, 'admin');
    },
    stop,
    start,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
