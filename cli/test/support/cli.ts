/**
 * Runs the real `edgefleet` bin as a child process (node cli/bin/edgefleet.js), with its config
 * file in a temp dir and none of the caller's EDGEFLEET_* variables, and a hub for it to talk
 * to: the real hub in-process on ephemeral ports with a temp data dir.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startHub, type Hub, type HubOptions } from '@edgefleet/hub';
import { testLogger } from '../../../test/support/harness';
import { testDatabase } from '../../../test/support/test-database';

export const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'edgefleet.js');
export const REPO = resolve(import.meta.dirname, '..', '..', '..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliEnv {
  /** where the CLI keeps its config (EDGEFLEET_CONFIG) */
  config: string;
  /** extra variables, e.g. EDGEFLEET_HUB_URL */
  vars?: Record<string, string>;
}

/** The caller's environment without anything that would point the CLI elsewhere. */
function cleanEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith('EDGEFLEET_') && entry[0] !== 'XDG_CONFIG_HOME'));
}

/** Runs `edgefleet ...args`; `input` is written to its stdin (closed either way); `onOutput` sees the output so far as it comes. */
export function runCli(env: CliEnv, args: readonly string[], options: { input?: string; cwd?: string; timeoutMs?: number; onOutput?: (sofar: CliResult) => void } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...cleanEnv(), EDGEFLEET_CONFIG: env.config, ...env.vars },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onOutput?.({ code: null, stdout, stderr });
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    options.onOutput?.({ code: null, stdout, stderr });
  });
  child.stdin.end(options.input ?? '');
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`edgefleet ${args.join(' ')} did not end within ${options.timeoutMs ?? 30_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** util-linux `script` (Debian's essential bsdutils), which runs a command on a pseudo-terminal: the CLI then draws its bars. */
export const SCRIPT = '/usr/bin/script';

/**
 * Runs `edgefleet ...args` on a pseudo-terminal (stdout and stderr both a terminal, as for a
 * person) and types Ctrl-C once its output matches `interruptAt`. The output is the terminal's,
 * escape sequences included; the code is the command's (130 when a SIGINT ended it).
 */
export function runCliInTerminal(env: CliEnv, args: readonly string[], interruptAt: RegExp, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, BIN, ...args].map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn(SCRIPT, ['--quiet', '--return', '--command', command, '/dev/null'], {
    cwd: REPO,
    env: { ...cleanEnv(), EDGEFLEET_CONFIG: env.config, ...env.vars, COLUMNS: '80', LINES: '24', TERM: 'xterm' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let typed = false;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (!typed && interruptAt.test(output)) {
      typed = true;
      // The terminal's line discipline turns it into SIGINT for the command, as a keyboard would.
      child.stdin.write('\u0003');
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`edgefleet ${args.join(' ')} on a terminal did not end within ${timeoutMs} ms\noutput: ${output}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output });
    });
  });
}

/** The JSON document a --json command printed. */
export function json<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${result.code}):\n${result.stdout}\nstderr: ${result.stderr}`);
  }
}

export interface CliHub {
  hub: Hub;
  dir: string;
  /** a temp dir for the test's files (config, secrets, plans) */
  work: string;
  close(): Promise<void>;
}

export async function startCliHub(over: Partial<Omit<HubOptions, 'dataDir'>> = {}): Promise<CliHub> {
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-cli-hub-'));
  const work = await mkdtemp(join(tmpdir(), 'edgefleet-cli-work-'));
  // No adminToken: the hub generates one in <dir>/admin-token, as `npm start` does, for login --token-file.
  const hub = await startHub({ ...(await testDatabase(dir)), dataDir: dir, httpPort: 0, mqttPort: 0, host: '127.0.0.1', logger: testLogger, ...over });
  return {
    hub,
    dir,
    work,
    async close() {
      await hub.close();
      await rm(dir, { recursive: true, force: true });
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** `edgefleet login` with the token file the hub generated; the CliEnv every later command of the file uses. */
export async function loggedIn(h: CliHub): Promise<CliEnv> {
  const env: CliEnv = { config: join(h.work, 'config', 'config.json') };
  const result = await runCli(env, ['login', '--url', h.hub.httpUrl, '--token-file', join(h.dir, 'admin-token')]);
  if (result.code !== 0) throw new Error(`login failed (${result.code}): ${result.stderr}`);
  return env;
}
