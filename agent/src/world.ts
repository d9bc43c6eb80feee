/**
 * The agent's live state in one place: what it trusts (persisted), what serves, what it is
 * doing, the last error. Every change that the hub should see goes out through `report()`,
 * to local listeners always and to MQTT once a link exists (mqtt.js queues while offline).
 */
import { randomUUID } from 'node:crypto';
import {
  DeviceLedger,
  phaseOf,
  refOf,
  reportedStateOf,
  TrafficShares,
  type Activity,
  type AgentInfo,
  type AgentStatus,
  type PersistedState,
  type TrustState,
} from '@edgefleet/device-core';
import type { AgentPhase, DeviceEvent, ModelRef, ReportedError, ReportedState } from '@edgefleet/protocol';
import type { LoadedModel } from './adapters/runtime';
import type { AgentStore } from './adapters/store';
import type { AgentLogger } from './logger';

export interface Candidate {
  model: LoadedModel;
  probed: boolean;
}

/** The shadow session: a candidate run beside the serving model, never serving (ROLLOUTS "Shadow"). */
export type Shadow = Candidate;

/** Traffic ramp-up: the running shadow answers `share` of the requests instead of running beside. */
export interface Traffic {
  candidate: LoadedModel;
  share: number;
}

export type { Outbound } from '@edgefleet/device-core';

/** Persistence, events and the stale check are the device core's DeviceLedger; this adds the agent's sessions and status. */
export class World extends DeviceLedger {
  private servingModel: LoadedModel | null = null;
  private readonly servingListeners = new Set<(model: LoadedModel | null) => void>();
  candidate: Candidate | null = null;
  private shadowSession: Shadow | null = null;
  private readonly shadowListeners = new Set<(model: LoadedModel | null) => void>();
  private readonly shares = new TrafficShares();
  /** the shadow given up on for one doc (in memory: after a restart it is tried once more) */
  shadowFailure: { seq: number; sha256: string } | null = null;
  announcedSeq: number | null = null;
  freeDiskBytes: number | undefined;
  private activity: Activity = { kind: 'settled' };
  private error: ReportedError | null = null;
  private lastPhase: AgentPhase | null = null;
  private readonly reportListeners = new Set<(state: ReportedState) => void>();
  private readonly eventListeners = new Set<(event: DeviceEvent) => void>();

  constructor(
    persisted: PersistedState,
    trust: TrustState,
    private readonly deps: { deviceId: string; store: AgentStore; now: () => Date; logger: AgentLogger; runtime: string; agentVersion: string },
  ) {
    super(persisted, trust, { deviceId: deps.deviceId, now: deps.now, logger: deps.logger, saveState: (state) => deps.store.saveState(state), newId: randomUUID });
  }

  /** The model that answers predictions. Setting it tells the listeners (statistics windows). */
  get serving(): LoadedModel | null {
    return this.servingModel;
  }

  set serving(model: LoadedModel | null) {
    if (model === this.servingModel) return;
    this.servingModel = model;
    this.notify(this.servingListeners, model);
  }

  onServingChanged(listener: (model: LoadedModel | null) => void): () => void {
    this.servingListeners.add(listener);
    return () => this.servingListeners.delete(listener);
  }

  /** The shadow session, loaded or also probed. */
  get shadow(): Shadow | null {
    return this.shadowSession;
  }

  /** The shadow that runs on live predictions: only once its probe passed. */
  runningShadow(): LoadedModel | null {
    return this.shadowSession?.probed ? this.shadowSession.model : null;
  }

  /** The running shadow and its share while the accepted doc splits traffic to it (TrafficShares), else null; asked per request. */
  traffic(): Traffic | null {
    const candidate = this.runningShadow();
    const share = this.shares.shareOf(this.persisted.desired, candidate?.release ?? null);
    return candidate && share !== null ? { candidate, share } : null;
  }

  /** Replaces the shadow session (null: none); tells the listeners when the running shadow changes. */
  setShadow(shadow: Shadow | null): void {
    const before = this.runningShadow();
    this.shadowSession = shadow;
    const after = this.runningShadow();
    if (after !== before) this.notify(this.shadowListeners, after);
  }

  /** Called with the running shadow (or null) whenever it changes: statistics start its section. */
  onShadowChanged(listener: (model: LoadedModel | null) => void): () => void {
    this.shadowListeners.add(listener);
    return () => this.shadowListeners.delete(listener);
  }

  status(): AgentStatus {
    const shadow = this.runningShadow();
    const traffic = this.traffic();
    return {
      device: this.deps.deviceId,
      phase: phaseOf(this.activity, this.serving !== null, this.persisted.failure),
      // What actually answers, so /v1/status never claims a model that failed to load.
      active: this.serving ? refOf(this.serving.release) : null,
      previous: this.persisted.previous ? refOf(this.persisted.previous.manifest) : null,
      shadow: shadow ? refOf(shadow.release) : null,
      traffic: traffic ? { candidate: refOf(traffic.candidate.release), share: traffic.share } : null,
      seq: this.persisted.lastSeq,
      error: this.error,
    };
  }

  /** Changes what the agent is doing; reports when the visible phase changes. */
  setActivity(activity: Activity): void {
    this.activity = activity;
    if (this.status().phase !== this.lastPhase) this.report();
  }

  setError(error: ReportedError | null): void {
    this.error = error;
  }

  report(): ReportedState {
    const status = this.status();
    this.lastPhase = status.phase;
    const info: AgentInfo = { version: this.deps.agentVersion, runtime: this.deps.runtime, ...(this.freeDiskBytes === undefined ? {} : { freeDiskBytes: this.freeDiskBytes }) };
    const state = reportedStateOf(status, info, this.deps.now());
    this.notify(this.reportListeners, state);
    this.link?.publishState(state);
    return state;
  }

  servingRef(): ModelRef | null {
    return this.serving ? refOf(this.serving.release) : null;
  }

  onReport(listener: (state: ReportedState) => void): () => void {
    this.reportListeners.add(listener);
    return () => this.reportListeners.delete(listener);
  }

  protected eventRaised(event: DeviceEvent): void {
    this.notify(this.eventListeners, event);
  }

  onEvent(listener: (event: DeviceEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  private notify<T>(listeners: Set<(value: T) => void>, value: T): void {
    for (const listener of [...listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.deps.logger.warn('listener threw', { error });
      }
    }
  }
}
