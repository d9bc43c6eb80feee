/**
 * The lean devices of one process and what they share: HTTP fetches (shared-fetches.ts), the
 * verified release manifests interned by their exact bytes (memory: 2,000 devices on one release
 * hold one manifest object, each having verified it), input layouts per release, the groups'
 * input specs, options and counters. A child process (child.ts) holds one; tests and the
 * measuring script may hold one in-process.
 */
import { createRequire } from 'node:module';
import { z } from 'zod';
import type { ReleaseManifest } from '@edgefleet/protocol';
import { AGENT_VERSION } from '../../../agent/src/version';
import type { AgentInfo } from '@edgefleet/device-core';
import { driftSchema, groupSpecSchema, inputLayoutOf, type GroupSpec, type InputLayout } from './inputs';
import { FAULT_KINDS, type DeviceSnapshot, type DeviceTimings, type LeanDeviceSpec } from './device-types';
import { LeanDevice } from './lean-device';
import { SharedFetches, type FetchCounters } from './shared-fetches';

/** Lean device options; every field has a default suited to a benchmark (tests shorten them). */
export const leanOptionsSchema = z.strictObject({
  /** statistics window length; default: the deployment doc's statsIntervalS */
  statsIntervalS: z.number().int().min(1).max(86_400).optional(),
  /** mqtt.js reconnect period, jittered per device to 0.5-1.5x; default 2,000 ms (the agent's) */
  reconnectMs: z.number().int().min(10).default(2_000),
  connectTimeoutMs: z.number().int().min(100).default(10_000),
  keepaliveS: z.number().int().min(0).default(60),
  /** install retries (the agent's tuning): backoff from baseMs doubling to maxMs, maxAttempts per doc */
  retry: z.strictObject({ baseMs: z.number().int().min(1).default(1_000), maxMs: z.number().int().min(1).default(60_000), maxAttempts: z.number().int().min(1).default(4) }).default({ baseMs: 1_000, maxMs: 60_000, maxAttempts: 4 }),
  /** statistics windows queued per device before merging (the agent's statsOutboxMaxWindows) */
  outboxMax: z.number().int().min(2).default(500),
  /** the broker instead of the one the hub's config names */
  brokerUrl: z.string().optional(),
});
export type LeanOptions = z.output<typeof leanOptionsSchema>;
export type LeanOptionsInput = z.input<typeof leanOptionsSchema>;

/** What is applied to chosen devices of a process. */
export const deviceCommandSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('drift'), ids: z.array(z.string()), drift: driftSchema }),
  /** agent crash: down for downMs, then restarted (in-memory state lost) */
  z.strictObject({ kind: z.literal('crash'), ids: z.array(z.string()), downMs: z.number().min(0) }),
  /** network loss without DISCONNECT: back after downMs + a random share of rampMs */
  z.strictObject({ kind: z.literal('disconnect'), ids: z.array(z.string()), downMs: z.number().min(0), rampMs: z.number().min(0).default(0) }),
  z.strictObject({ kind: z.literal('fault'), ids: z.array(z.string()), fault: z.enum(FAULT_KINDS), slowMs: z.number().min(0).default(2_000) }),
]);
export type DeviceCommand = z.input<typeof deviceCommandSchema>;

/** A state devices are surveyed for, in their own process (cheap to poll at 10,000 devices). */
export const deviceStateSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('connected') }),
  /** serving this version (of this model, if given) */
  z.strictObject({ kind: z.literal('serving'), version: z.string(), model: z.string().optional() }),
  /** reporting this error code */
  z.strictObject({ kind: z.literal('error'), code: z.string() }),
]);
export type DeviceState = z.output<typeof deviceStateSchema>;

export function inState(state: DeviceState, d: DeviceSnapshot): boolean {
  switch (state.kind) {
    case 'connected':
      return d.connected;
    case 'serving':
      return d.phase === 'serving' && d.active?.version === state.version && (state.model === undefined || d.active.model === state.model);
    case 'error':
      return d.error?.code === state.code;
  }
}

export interface Survey {
  total: number;
  /** devices in the state */
  matching: number;
  /** one device that is not, to show why */
  example: DeviceSnapshot | null;
}

export interface VersionTally {
  closed: { windows: number; rows: number; errors: number };
  acked: { windows: number; rows: number; errors: number };
}

export interface ProcessTally {
  devices: number;
  versions: Record<string, VersionTally>;
  outbox: { queued: number; merged: number; lost: number; publishes: number };
  fetches: FetchCounters;
  counters: Record<string, number>;
}

const require = createRequire(import.meta.url);
const ORT_VERSION = (require('onnxruntime-node/package.json') as { version: string }).version;

export class LeanProcess {
  readonly devices = new Map<string, LeanDevice>();
  readonly fetches: SharedFetches;
  readonly options: LeanOptions;
  /** what the agent would load; its max opset is onnxruntime 1.30's (agent/src/adapters/runtime.ts) */
  readonly runtime = { version: ORT_VERSION, maxOpset: 21 };
  readonly agentInfo: AgentInfo = { version: AGENT_VERSION, runtime: `onnxruntime-node ${ORT_VERSION} (fleet-sim lean)` };
  readonly now = (): Date => new Date();
  statsGenerating = true;
  private readonly groups = new Map<string, GroupSpec>();
  private readonly defaultGroup = groupSpecSchema.parse({});
  private readonly releases = new Map<string, ReleaseManifest>();
  private readonly layouts = new WeakMap<ReleaseManifest, InputLayout>();
  private readonly counters = new Map<string, number>();

  constructor(hubUrl: string, groups: Record<string, z.input<typeof groupSpecSchema>>, options: LeanOptionsInput = {}) {
    this.fetches = new SharedFetches(hubUrl);
    this.options = leanOptionsSchema.parse(options);
    for (const [name, spec] of Object.entries(groups)) this.groups.set(name, groupSpecSchema.parse(spec));
  }

  add(specs: readonly LeanDeviceSpec[]): void {
    for (const spec of specs) if (!this.devices.has(spec.id)) this.devices.set(spec.id, new LeanDevice(spec, this));
  }

  /** Starts devices (all, or `ids`), each after a random share of `rampMs` (0: all at once). */
  start(rampMs: number, ids?: readonly string[]): void {
    for (const device of this.pick(ids)) {
      if (rampMs <= 0) device.start();
      else setTimeout(() => device.start(), Math.random() * rampMs);
    }
  }

  apply(command: DeviceCommand): number {
    const parsed = deviceCommandSchema.parse(command);
    const devices = this.pick(parsed.ids);
    for (const device of devices) {
      switch (parsed.kind) {
        case 'drift':
          device.drift.apply(parsed.drift);
          break;
        case 'crash':
          device.crash(parsed.downMs);
          break;
        case 'disconnect':
          device.disconnect(parsed.downMs + Math.random() * parsed.rampMs);
          break;
        case 'fault':
          device.fault = { kind: parsed.fault, slowMs: parsed.slowMs };
          break;
      }
    }
    return devices.length;
  }

  /** Pauses or resumes drawing predictions; `flush` closes every open window now (first). */
  setStats(generating: boolean, flush: boolean): void {
    if (flush) for (const device of this.devices.values()) device.flushStats();
    this.statsGenerating = generating;
  }

  snapshots(): DeviceSnapshot[] {
    return [...this.devices.values()].map((d) => d.snapshot());
  }

  /** How many of the devices (all, or `ids`) are in `state`. */
  survey(state: DeviceState, ids?: readonly string[]): Survey {
    let matching = 0;
    let example: DeviceSnapshot | null = null;
    const devices = this.pick(ids);
    for (const device of devices) {
      const snapshot = device.snapshot();
      if (inState(state, snapshot)) matching++;
      else example ??= snapshot;
    }
    return { total: devices.length, matching, example };
  }

  timings(): DeviceTimings[] {
    return [...this.devices.values()].map((d) => d.clock.timings());
  }

  tally(): ProcessTally {
    const versions: Record<string, VersionTally> = {};
    const slot = (key: string): VersionTally => (versions[key] ??= { closed: { windows: 0, rows: 0, errors: 0 }, acked: { windows: 0, rows: 0, errors: 0 } });
    const outbox = { queued: 0, merged: 0, lost: 0, publishes: 0 };
    for (const device of this.devices.values()) {
      for (const [key, t] of device.closedStats()) addInto(slot(key).closed, t);
      for (const [key, t] of device.outbox.tally.acked) addInto(slot(key).acked, t);
      outbox.queued += device.outbox.size;
      outbox.merged += device.outbox.tally.merged;
      outbox.lost += device.outbox.tally.lost;
      outbox.publishes += device.outbox.tally.publishes;
    }
    return { devices: this.devices.size, versions, outbox, fetches: { ...this.fetches.counters }, counters: Object.fromEntries(this.counters) };
  }

  stop(): void {
    for (const device of this.devices.values()) device.stop();
  }

  // ---- for the devices ----

  count(name: string): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + 1);
  }

  group(name: string): GroupSpec {
    return this.groups.get(name) ?? this.defaultGroup;
  }

  brokerUrlFor(fromConfig: string): string {
    return this.options.brokerUrl ?? fromConfig;
  }

  /**
   * The one manifest object for a release, keyed by its exact bytes (the reference's sha256, or
   * the inline envelope's payload); each device verified its own copy before asking.
   */
  intern(key: string, verified: ReleaseManifest): ReleaseManifest {
    const known = this.releases.get(key);
    if (known) return known;
    this.releases.set(key, verified);
    return verified;
  }

  layoutOf(release: ReleaseManifest): InputLayout {
    let layout = this.layouts.get(release);
    if (!layout) {
      layout = inputLayoutOf(release);
      this.layouts.set(release, layout);
    }
    return layout;
  }

  private pick(ids: readonly string[] | undefined): LeanDevice[] {
    if (!ids) return [...this.devices.values()];
    return ids.flatMap((id) => this.devices.get(id) ?? []);
  }
}

function addInto(into: { windows: number; rows: number; errors: number }, from: { windows: number; rows: number; errors: number }): void {
  into.windows += from.windows;
  into.rows += from.rows;
  into.errors += from.errors;
}
