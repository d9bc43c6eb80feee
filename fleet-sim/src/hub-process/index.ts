/**
 * A hub in a child process (child.ts), for the lean CLI's scenarios and the fleet benchmark:
 * the fleet's parent never shares the hub's event loop, and the hub's CPU and memory are read
 * apart from the fleet's. The first start listens on the given ports (0 or none = ephemeral);
 * every later start, after a clean stop or a SIGKILL, uses the ports it got then and the same
 * data dir, so a restarted hub has the same URLs.
 *
 *   const hub = new HubProcess({ dataDir, adminToken });
 *   await hub.start();        // hub.httpUrl, hub.mqttUrl, hub.usage(), hub.gc()
 *   await hub.restart();      // clean stop, then start on the same ports and data dir
 *   await hub.kill();         // a crash: SIGKILL, nothing closed; hub.start() brings it back
 *   await hub.stop();         // hub.close(), then the process exits
 */
import { forkIpcChild, type IpcChild } from '../ipc-child';
import type { HubChildOptions, HubReady, HubUsage } from './child';

export type { HubUsage };

export interface HubProcessOptions {
  dataDir: string;
  adminToken: string;
  /** the first start's HTTP port; default 0 (ephemeral) */
  httpPort?: number;
  /** the first start's MQTT port; default 0 (ephemeral) */
  mqttPort?: number;
  /** the hub's statsIntervalS (told in deployment docs); default the hub's */
  statsIntervalS?: number;
  /** the hub's rollout controller cron; default the hub's */
  rolloutSchedule?: string;
  driftSchedule?: string;
  /** a replica of several (issue 12): its shared database, external broker and names (HubOptions of the same names) */
  databaseUrl?: string;
  brokerUrl?: string;
  brokerProvisioning?: 'none' | 'mosquitto-dynsec';
  brokerShareGroup?: string;
  brokerClientId?: string;
  replicaId?: string;
  publicUrl?: string;
  leaseTtlS?: number;
  /** 'warnings' (default): the hub's warnings and errors on stderr; 'silent': nothing (benchmarks) */
  log?: 'warnings' | 'silent';
  /** extra Node flags for the hub's process, e.g. `--cpu-prof` (a profile is written on a clean stop, not a kill) */
  nodeFlags?: readonly string[];
}

/** how long a stopped hub's process may take to exit before it is killed */
const EXIT_GRACE_MS = 10_000;

export class HubProcess {
  readonly dataDir: string;
  readonly adminToken: string;
  private readonly options: HubChildOptions;
  private readonly nodeFlags: readonly string[];
  private child: IpcChild<HubReady> | null = null;
  private ready: HubReady | null = null;

  constructor(options: HubProcessOptions) {
    const { httpPort = 0, mqttPort = 0, log = 'warnings', nodeFlags = [], ...rest } = options;
    this.dataDir = options.dataDir;
    this.adminToken = options.adminToken;
    this.nodeFlags = nodeFlags;
    this.options = { ...rest, httpPort, mqttPort, log };
  }

  get running(): boolean {
    return this.child !== null;
  }

  get httpUrl(): string {
    return this.listening().httpUrl;
  }

  get mqttUrl(): string {
    return this.listening().mqttUrl;
  }

  get httpPort(): number {
    return this.listening().httpPort;
  }

  get mqttPort(): number {
    return this.listening().mqttPort;
  }

  /** Forks the hub's process and waits until the hub listens (on the ports of the first start). */
  async start(): Promise<void> {
    if (this.child) throw new Error('hub process already running');
    const ports = this.ready ? { httpPort: this.ready.httpPort, mqttPort: this.ready.mqttPort } : {};
    const child = await forkIpcChild<HubReady>(new URL('./child.ts', import.meta.url), { EDGEFLEET_HUB_PROCESS: JSON.stringify({ ...this.options, ...ports } satisfies HubChildOptions) }, ['--expose-gc', '--max-old-space-size=4096', ...this.nodeFlags]);
    this.child = child;
    this.ready = child.ready;
    void child.exited.then(() => {
      if (this.child === child) this.child = null;
    });
  }

  async usage(): Promise<HubUsage> {
    return (await this.current().request('usage')) as HubUsage;
  }

  /** Resets the peak resident set that usage() reports to the current one (Linux); false where it cannot. */
  async resetPeak(): Promise<boolean> {
    return (await this.current().request('reset-peak')) === true;
  }

  /** a full garbage collection (the child runs with --expose-gc), before reading memory */
  async gc(): Promise<void> {
    await this.current().request('gc');
  }

  /** A clean stop: hub.close() (listeners, database), then the process exits. Nothing when not running. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    await child.request('stop').catch(() => undefined);
    const timer = setTimeout(() => void child.kill(), EXIT_GRACE_MS);
    await child.exited;
    clearTimeout(timer);
  }

  /** SIGKILL: a crash, nothing closed. Nothing when not running. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    await child.kill();
  }

  /** A clean stop, then a start on the same ports and data dir. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private listening(): HubReady {
    if (!this.ready) throw new Error('hub process not started');
    return this.ready;
  }

  private current(): IpcChild<HubReady> {
    if (!this.child) throw new Error('hub process not running');
    return this.child;
  }
}
