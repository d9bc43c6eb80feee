/**
 * A lean fleet: enrolled devices spread over child processes (child.ts) of at most
 * `maxDevicesPerProcess` each (PERF: 20,000 open files per process; a device holds one socket),
 * driven over IPC. The parent never touches MQTT: it starts, steers and reads the children.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DeviceSnapshot, DeviceTimings, LeanDeviceSpec } from './device-types';
import type { GroupSpecInput } from './inputs';
import { groupSpecSchema } from './inputs';
import { READY, type ChildCommand, type ChildReply, type ChildResults, type ProcessUsage } from './ipc';
import { leanOptionsSchema, type DeviceCommand, type DeviceState, type LeanOptionsInput, type ProcessTally, type Survey, type VersionTally } from './lean-process';

export interface LeanFleetOptions {
  hubUrl: string;
  /** enrolled devices (hub-api.ts `enrolDevices`) */
  devices: readonly LeanDeviceSpec[];
  /** input groups by name; a device of an unnamed group draws from its reference */
  groups?: Record<string, GroupSpecInput>;
  options?: LeanOptionsInput;
  /** default 2,000 (keep it at most ~3,000: one socket per device, 20,000 files per process) */
  maxDevicesPerProcess?: number;
  /** spawn at least this many processes (default: as many as the cap needs) */
  processes?: number;
}

const CHILD_PATH = fileURLToPath(new URL('./child.ts', import.meta.url));
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

class Child {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private exited: Error | null = null;

  constructor(
    readonly process: ChildProcess,
    readonly ids: readonly string[],
  ) {
    process.on('message', (message: unknown) => {
      const reply = message as ChildReply;
      const pending = typeof reply === 'object' && reply !== null ? this.waiting.get(reply.id) : undefined;
      if (!pending) return;
      this.waiting.delete(reply.id);
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(new Error(`lean child ${process.pid}: ${reply.error}`));
    });
    process.on('exit', (code, signal) => {
      this.exited = new Error(`lean child ${process.pid} exited (${signal ?? code})`);
      for (const pending of this.waiting.values()) pending.reject(this.exited);
      this.waiting.clear();
    });
  }

  static spawn(ids: readonly string[]): Promise<Child> {
    const child = fork(CHILD_PATH, [], { execArgv: ['--import', TSX_LOADER, '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`lean child exited before it was ready (${code})`)));
      child.once('message', (message) => (message === READY ? resolve(new Child(child, ids)) : reject(new Error(`lean child said ${JSON.stringify(message)}`))));
    });
  }

  call<C extends ChildCommand>(command: C): Promise<ChildResults[C['cmd']]> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.process.send({ id, command });
    });
  }
}

export class LeanFleet {
  private readonly owner = new Map<string, Child>();

  private constructor(private readonly children: Child[]) {
    for (const child of children) for (const id of child.ids) this.owner.set(id, child);
  }

  /** Forks the children and hands each its devices (not connected yet: see `connect`). */
  static async start(options: LeanFleetOptions): Promise<LeanFleet> {
    const cap = Math.max(1, options.maxDevicesPerProcess ?? 2_000);
    const count = Math.max(options.processes ?? 1, Math.ceil(options.devices.length / cap), 1);
    const per = Math.ceil(options.devices.length / count);
    const slices = Array.from({ length: count }, (_, i) => options.devices.slice(i * per, (i + 1) * per));
    const spawned = await Promise.allSettled(slices.map((slice) => Child.spawn(slice.map((d) => d.id))));
    const children = spawned.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const fleet = new LeanFleet(children);
    const failed = spawned.find((s) => s.status === 'rejected');
    if (failed) {
      await fleet.close();
      throw failed.reason;
    }
    const groups = Object.fromEntries(Object.entries(options.groups ?? {}).map(([name, spec]) => [name, groupSpecSchema.parse(spec)]));
    const leanOptions = leanOptionsSchema.parse(options.options ?? {});
    await Promise.all(children.map((child, i) => child.call({ cmd: 'init', hubUrl: options.hubUrl, groups, options: leanOptions, devices: [...(slices[i] ?? [])] })));
    return fleet;
  }

  get processes(): number {
    return this.children.length;
  }

  /** Starts every device (or `ids`), each after a random share of `rampMs` (0: all at once). */
  async connect(rampMs = 0, ids?: readonly string[]): Promise<void> {
    await Promise.all(this.byChild(ids).map(([child, mine]) => child.call({ cmd: 'start', rampMs, ...(mine ? { ids: mine } : {}) })));
  }

  /** Applies a command to its devices, in whichever process holds them; returns how many. */
  async apply(command: DeviceCommand): Promise<number> {
    const counts = await Promise.all(this.byChild(command.ids).map(([child, mine]) => (mine && mine.length === 0 ? 0 : child.call({ cmd: 'apply', command: { ...command, ids: mine ?? [...child.ids] } as DeviceCommand }))));
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Pauses or resumes predictions everywhere; `flush` first closes every open window. */
  async setStats(generating: boolean, flush: boolean): Promise<void> {
    await Promise.all(this.children.map((child) => child.call({ cmd: 'stats', generating, flush })));
  }

  async snapshots(): Promise<DeviceSnapshot[]> {
    return (await Promise.all(this.children.map((child) => child.call({ cmd: 'snapshots' })))).flat();
  }

  /** How many devices (all, or `ids`) are in `state`, counted in their processes. */
  async survey(state: DeviceState, ids?: readonly string[]): Promise<Survey> {
    const parts = await Promise.all(this.byChild(ids).map(([child, mine]) => (mine && mine.length === 0 ? { total: 0, matching: 0, example: null } : child.call({ cmd: 'survey', state, ...(mine ? { ids: mine } : {}) }))));
    return { total: parts.reduce((a, p) => a + p.total, 0), matching: parts.reduce((a, p) => a + p.matching, 0), example: parts.find((p) => p.example)?.example ?? null };
  }

  /** Polls until every device (or every one of `ids`) is in `state`; fails after `timeoutMs`. */
  async waitUntil(state: DeviceState, timeoutMs: number, ids?: readonly string[]): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const survey = await this.survey(state, ids);
      if (survey.matching === survey.total) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${survey.total - survey.matching} of ${survey.total} devices not ${JSON.stringify(state)}, e.g. ${JSON.stringify(survey.example)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async timings(): Promise<DeviceTimings[]> {
    return (await Promise.all(this.children.map((child) => child.call({ cmd: 'timings' })))).flat();
  }

  /** Windows closed and acknowledged per version, outboxes, shared fetches and counters, summed. */
  async tally(): Promise<ProcessTally> {
    return mergeTallies(await Promise.all(this.children.map((child) => child.call({ cmd: 'tally' }))));
  }

  /** Memory and CPU of each child; `gc` collects garbage first. */
  usage(gc = false): Promise<ProcessUsage[]> {
    return Promise.all(this.children.map((child) => child.call({ cmd: 'usage', gc })));
  }

  /** Polls the devices until `done` holds; fails after `timeoutMs` naming what was awaited. */
  async waitFor(done: (devices: DeviceSnapshot[]) => boolean, what: string, timeoutMs: number): Promise<DeviceSnapshot[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const devices = await this.snapshots();
      if (done(devices)) return devices;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async close(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        const exited = new Promise<void>((resolve) => {
          if (child.process.exitCode !== null || child.process.signalCode !== null) resolve();
          else child.process.once('exit', () => resolve());
        });
        await child.call({ cmd: 'stop' }).catch(() => child.process.kill());
        const timer = setTimeout(() => child.process.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  /** Each child with its share of `ids` (undefined: all of its devices). */
  private byChild(ids: readonly string[] | undefined): [Child, string[] | undefined][] {
    if (!ids) return this.children.map((child) => [child, undefined]);
    const split = new Map<Child, string[]>(this.children.map((child) => [child, []]));
    for (const id of ids) {
      const child = this.owner.get(id);
      if (!child) throw new Error(`no lean device ${id}`);
      split.get(child)?.push(id);
    }
    return [...split.entries()];
  }
}

export function mergeTallies(tallies: readonly ProcessTally[]): ProcessTally {
  const total: ProcessTally = { devices: 0, versions: {}, outbox: { queued: 0, merged: 0, lost: 0, publishes: 0 }, fetches: { config: 0, releases: 0, artifacts: 0, hashes: 0 }, counters: {} };
  for (const t of tallies) {
    total.devices += t.devices;
    for (const [key, v] of Object.entries(t.versions)) {
      const into: VersionTally = (total.versions[key] ??= { closed: { windows: 0, rows: 0, errors: 0 }, acked: { windows: 0, rows: 0, errors: 0 } });
      for (const part of ['closed', 'acked'] as const) {
        into[part].windows += v[part].windows;
        into[part].rows += v[part].rows;
        into[part].errors += v[part].errors;
      }
    }
    for (const key of ['queued', 'merged', 'lost', 'publishes'] as const) total.outbox[key] += t.outbox[key];
    for (const key of ['config', 'releases', 'artifacts', 'hashes'] as const) total.fetches[key] += t.fetches[key];
    for (const [key, n] of Object.entries(t.counters)) total.counters[key] = (total.counters[key] ?? 0) + n;
  }
  return total;
}
