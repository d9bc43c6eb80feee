/**
 * The hub as `npm start` runs it (hub/src/main.ts, configured by environment) in a child process
 * of its own, so a test can SIGKILL it mid-write and start it again on the same data dir, ports
 * and database. Its JSON log lines are read as they come: a test can kill it the moment a given
 * line appears (the write it names committed, its reply not sent yet). The first start takes
 * free ports; every later one reuses them, so agents and devices find the hub where it was.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { freePort } from './process';
import { testDatabaseEnv } from './test-database';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Lines kept for failure messages. */
const KEPT_LINES = 400;

export interface HubLogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export interface HubChildOptions {
  dataDir: string;
  adminToken: string;
  /** more EDGEFLEET_* settings (e.g. EDGEFLEET_STATS_INTERVAL_S) */
  env?: Record<string, string>;
  /** default 120 s: a hub starts in 2-5 s on a 2-core machine, and in tens of seconds when it is overloaded */
  startTimeoutMs?: number;
}

export class HubChild {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private ports: { http: number; mqtt: number } | null = null;
  private readonly lines: string[] = [];
  private readonly listeners = new Set<(line: HubLogLine) => void>();
  private databaseEnv: Record<string, string> | null = null;
  /** how many times the hub was started */
  starts = 0;

  constructor(private readonly options: HubChildOptions) {}

  get httpUrl(): string {
    return `http://127.0.0.1:${this.requirePorts().http}`;
  }

  get mqttUrl(): string {
    return `mqtt://127.0.0.1:${this.requirePorts().mqtt}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** The database settings the hub runs with: {} on SQLite, EDGEFLEET_DATABASE_URL on PostgreSQL. */
  async database(): Promise<Record<string, string>> {
    this.databaseEnv ??= await testDatabaseEnv(this.options.dataDir);
    return this.databaseEnv;
  }

  /** Spawns the hub and resolves once it logged `hub started` (it listens then). */
  async start(): Promise<void> {
    if (this.child) throw new Error('the hub is already running');
    this.ports ??= { http: await freePort(), mqtt: await freePort() };
    const env = {
      ...process.env,
      ...(await this.database()),
      EDGEFLEET_DATA_DIR: this.options.dataDir,
      EDGEFLEET_HOST: '127.0.0.1',
      EDGEFLEET_HTTP_PORT: String(this.ports.http),
      EDGEFLEET_MQTT_PORT: String(this.ports.mqtt),
      EDGEFLEET_ADMIN_TOKEN: this.options.adminToken,
      // Built once for the run (console-global-setup.ts): main.ts would otherwise build it first.
      EDGEFLEET_CONSOLE_DIR: inject('consoleDir'),
      ...this.options.env,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', 'hub/src/main.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.starts++;
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      // Without a listener an 'error' would be uncaught; a spawn that failed (no pid) may never emit 'exit'.
      child.on('error', (error) => {
        this.keep(`spawn error: ${error.message}`);
        if (child.pid === undefined) resolve();
      });
    });
    void this.exited.then(() => {
      if (this.child === child) this.child = null;
    });
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        this.line(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => this.keep(`stderr: ${chunk.toString().trimEnd()}`));
    const timeoutMs = this.options.startTimeoutMs ?? 120_000;
    await new Promise<void>((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        stop();
        // Not left running: the caller's next start() would refuse, and its kill() would not know it.
        child.kill('SIGKILL');
      }, timeoutMs);
      const stop = this.onLog((line) => {
        if (line.msg !== 'hub started') return;
        clearTimeout(timer);
        stop();
        resolve();
      });
      void this.exited.then(() => {
        clearTimeout(timer);
        stop();
        reject(new Error(timedOut ? `the hub did not start within ${timeoutMs} ms (killed)\n${this.output()}` : `the hub exited before it started\n${this.output()}`));
      });
    });
  }

  /** Calls `listener` with every log line from now on, synchronously as it is read; returns an unsubscribe function. */
  onLog(listener: (line: HubLogLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** SIGKILL now (a crash: nothing is closed or flushed); resolves once the process is gone. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** Sends SIGKILL without waiting: for log listeners, which must not wait on anything. */
  killNow(): void {
    this.child?.kill('SIGKILL');
  }

  /** A clean stop (SIGTERM: the hub closes everything), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Resolves when the process has exited (at once when none runs). */
  whenExited(): Promise<void> {
    return this.exited;
  }

  /** The last log lines and stderr, for failure messages. */
  output(): string {
    return this.lines.join('\n');
  }

  private line(text: string): void {
    this.keep(text);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || !('msg' in parsed) || typeof parsed.msg !== 'string') return;
    const line = parsed as HubLogLine;
    for (const listener of [...this.listeners]) listener(line);
  }

  private keep(text: string): void {
    this.lines.push(text);
    if (this.lines.length > KEPT_LINES) this.lines.splice(0, this.lines.length - KEPT_LINES);
  }

  private requirePorts(): { http: number; mqtt: number } {
    if (!this.ports) throw new Error('the hub was never started');
    return this.ports;
  }
}
