/**
 * The page device's live state in one place, as the agent's World: what it trusts (persisted in
 * IndexedDB before it is believed), what serves and how it was verified, what it is doing, the
 * last error. Every change the hub should see goes out through `report()`; every change a page
 * shows goes to `status` listeners.
 */
import { DeviceLedger, phaseOf, refOf, reportedStateOf, TrafficShares, type Activity, type PersistedState, type TrustState } from '@edgefleet/device-core';
import type { DeviceEvent, ModelRef, ReportedError, ReportedState } from '@edgefleet/protocol';
import type { Verification, WebLogger, WebRuntimeEvents, WebStatus } from '../api';
import type { DeviceStore } from '../platform/device-store';
import type { LoadedModel } from '../runtime/ort-web';

/** A session and how its bytes were checked. */
export interface Installed {
  model: LoadedModel;
  verification: Verification;
}

/** Traffic ramp-up: the running shadow answers `share` of the requests instead of running beside (as the agent's World). */
export interface Traffic {
  candidate: LoadedModel;
  share: number;
}

export interface LiveStateDeps {
  deviceId: string;
  ring: string;
  store: DeviceStore;
  now: () => Date;
  logger: WebLogger;
  runtime: string;
  agentVersion: string;
  pendingWindows: () => number;
}

/** Persistence, events and the stale check are the device core's DeviceLedger, as the agent's World. */
export class LiveState extends DeviceLedger {
  private servingModel: Installed | null = null;
  candidate: Installed | null = null;
  private shadowModel: Installed | null = null;
  private readonly shares = new TrafficShares();
  shadowFailure: { seq: number; sha256: string } | null = null;
  announcedSeq: number | null = null;
  connected = false;
  private refused = false;
  private download: WebStatus['download'] = null;
  private activity: Activity = { kind: 'settled' };
  private error: ReportedError | null = null;
  private readonly listeners: { [K in keyof WebRuntimeEvents]: Set<(value: WebRuntimeEvents[K]) => void> } = { status: new Set(), event: new Set(), report: new Set() };
  private readonly servingListeners = new Set<(model: LoadedModel | null) => void>();
  private readonly shadowListeners = new Set<(model: LoadedModel | null) => void>();

  constructor(
    persisted: PersistedState,
    trust: TrustState,
    private readonly deps: LiveStateDeps,
  ) {
    super(persisted, trust, { deviceId: deps.deviceId, now: deps.now, logger: deps.logger, saveState: (state) => deps.store.saveState(state), newId: () => crypto.randomUUID() });
  }

  get serving(): Installed | null {
    return this.servingModel;
  }

  set serving(installed: Installed | null) {
    if (installed === this.servingModel) return;
    this.servingModel = installed;
    for (const listener of [...this.servingListeners]) listener(installed?.model ?? null);
    this.changed();
  }

  onServingChanged(listener: (model: LoadedModel | null) => void): () => void {
    this.servingListeners.add(listener);
    return () => this.servingListeners.delete(listener);
  }

  get shadow(): Installed | null {
    return this.shadowModel;
  }

  /** The shadow that runs on live predictions: loaded and probed. */
  runningShadow(): LoadedModel | null {
    return this.shadowModel?.verification.probed ? this.shadowModel.model : null;
  }

  /** The running shadow and its share while the accepted doc splits traffic to it (TrafficShares), else null; asked per request. */
  traffic(): Traffic | null {
    const candidate = this.runningShadow();
    const share = this.shares.shareOf(this.persisted.desired, candidate?.release ?? null);
    return candidate && share !== null ? { candidate, share } : null;
  }

  setShadow(shadow: Installed | null): void {
    const before = this.runningShadow();
    this.shadowModel = shadow;
    const after = this.runningShadow();
    if (after !== before) for (const listener of [...this.shadowListeners]) listener(after);
    this.changed();
  }

  onShadowChanged(listener: (model: LoadedModel | null) => void): () => void {
    this.shadowListeners.add(listener);
    return () => this.shadowListeners.delete(listener);
  }

  status(): WebStatus {
    const shadow = this.runningShadow();
    const traffic = this.traffic();
    const serving = this.servingModel;
    return {
      device: this.deps.deviceId,
      phase: phaseOf(this.activity, serving !== null, this.persisted.failure),
      active: serving ? refOf(serving.model.release) : null,
      previous: this.persisted.previous ? refOf(this.persisted.previous.manifest) : null,
      shadow: shadow ? refOf(shadow.release) : null,
      traffic: traffic ? { candidate: refOf(traffic.candidate.release), share: traffic.share } : null,
      seq: this.persisted.lastSeq,
      error: this.error,
      ring: this.deps.ring,
      connected: this.connected,
      verification: serving?.verification ?? null,
      pendingWindows: this.deps.pendingWindows(),
      runtime: this.deps.runtime,
      download: this.download,
      refused: this.refused,
    };
  }

  setActivity(activity: Activity): void {
    const before = this.status().phase;
    this.activity = activity;
    if (this.status().phase !== before) this.report();
    else this.changed();
  }

  setError(error: ReportedError | null): void {
    this.error = error;
    this.changed();
  }

  /** The broker refused the credential for good (the device was removed). */
  setRefused(): void {
    this.refused = true;
    this.connected = false;
    this.changed();
  }

  /** The model download's progress (null: none running); the page shows it. */
  setDownload(download: WebStatus['download']): void {
    this.download = download;
    this.changed();
  }

  setConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    this.changed();
  }

  report(): ReportedState {
    const status = this.status();
    const state = reportedStateOf(status, { version: this.deps.agentVersion, runtime: this.deps.runtime }, this.deps.now());
    this.notify('report', state);
    this.link?.publishState(state);
    this.notify('status', status);
    return state;
  }

  /** A status change only the page sees (connection, pending windows). */
  changed(): void {
    this.notify('status', this.status());
  }

  servingRef(): ModelRef | null {
    return this.servingModel ? refOf(this.servingModel.model.release) : null;
  }

  protected eventRaised(event: DeviceEvent): void {
    this.notify('event', event);
  }

  on<K extends keyof WebRuntimeEvents>(kind: K, listener: (value: WebRuntimeEvents[K]) => void): () => void {
    const set = this.listeners[kind] as Set<(value: WebRuntimeEvents[K]) => void>;
    set.add(listener);
    return () => set.delete(listener);
  }

  private notify<K extends keyof WebRuntimeEvents>(kind: K, value: WebRuntimeEvents[K]): void {
    for (const listener of [...(this.listeners[kind] as Set<(value: WebRuntimeEvents[K]) => void>)]) {
      try {
        listener(value);
      } catch (error) {
        this.deps.logger.warn('listener threw', { error: String(error) });
      }
    }
  }
}
