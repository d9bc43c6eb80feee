/**
 * What the parts of a lean device share: what stands for the agent's disk (`persisted`, kept
 * through a crash), the in-memory state a crash loses, and how the device reports (state and
 * events over its link) and keeps its timers. The lifecycle (lean-device.ts), the doc handler
 * (device-docs.ts) and the installer (device-install.ts) each hold this one object, so none of
 * them reaches into another.
 */
import { randomUUID } from 'node:crypto';
import type { DeviceEvent, ReleaseManifest, ReportedError, TrustDoc } from '@edgefleet/protocol';
import { phaseOf, refOf, reportedStateOf, type Activity, type InstallFailure } from '@edgefleet/device-core';
import { basicAuth } from '../../../agent/src/adapters/hub-client';
import { mulberry32 } from '../../../hub/src/core/seeded-random';
import type { LeanLink } from './lean-link';
import type { LeanProcess } from './lean-process';
import type { DeviceClock, LeanDeviceSpec } from './device-types';

export interface Desired {
  seq: number;
  release: ReleaseManifest;
  downgrade: boolean;
  statsIntervalS: number;
}

/** What the agent keeps on disk. */
export interface Persisted {
  lastSeq: number;
  desired: Desired | null;
  active: ReleaseManifest | null;
  previous: ReleaseManifest | null;
  failure: InstallFailure | null;
  /** artifacts "on disk" (the active and previous releases') */
  cached: Set<string>;
  trust: TrustDoc | null;
  brokerUrl: string | null;
}

export class DeviceCore {
  readonly persisted: Persisted = { lastSeq: 0, desired: null, active: null, previous: null, failure: null, cached: new Set(), trust: null, brokerUrl: null };
  readonly random: () => number;
  readonly authorization: string;
  // In memory only: lost with a crash.
  generation = 0;
  link: LeanLink | null = null;
  activity: Activity = { kind: 'settled' };
  lastPhase: string | null = null;
  error: ReportedError | null = null;
  readonly timers = new Set<NodeJS.Timeout>();
  pendingEvents: DeviceEvent[] = [];
  /** the agent process runs (false between a crash and its restart) */
  up = false;

  constructor(
    readonly spec: LeanDeviceSpec,
    readonly proc: LeanProcess,
    readonly clock: DeviceClock,
  ) {
    this.random = mulberry32(spec.seed);
    this.authorization = basicAuth(spec.id, spec.secret);
  }

  // ---- reporting ----

  status() {
    const p = this.persisted;
    // What serves: the active release (a lean device has nothing that can fail to load).
    const serving = this.up ? p.active : null;
    return {
      device: this.spec.id,
      phase: phaseOf(this.activity, serving !== null, p.failure),
      active: serving ? refOf(serving) : null,
      previous: p.previous ? refOf(p.previous) : null,
      shadow: null,
      seq: p.lastSeq,
      error: this.error,
    };
  }

  report(): void {
    const status = this.status();
    this.lastPhase = status.phase;
    this.link?.publishState(reportedStateOf(status, this.proc.agentInfo, this.proc.now()));
  }

  emit(kind: DeviceEvent['kind'], fields: Pick<DeviceEvent, 'seq' | 'model' | 'error'> = {}): void {
    const event: DeviceEvent = { id: randomUUID(), device: this.spec.id, kind, at: this.proc.now().toISOString(), ...fields };
    if (this.link) this.link.publishEvent(event);
    else if (this.pendingEvents.push(event) > 200) this.pendingEvents.shift();
  }

  setActivity(activity: Activity): void {
    this.activity = activity;
    if (this.status().phase !== this.lastPhase) this.report();
  }

  // ---- timers ----

  later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }
}
