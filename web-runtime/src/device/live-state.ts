/**
 * The page device's live state in one place, as the agent's World: what it trusts (persisted in
 * IndexedDB before it is believed), what serves and how it was verified, what it is doing, the
 * last error. Every change the hub should see goes out through `report()`; every change a page
 * shows goes to `status` listeners.
 */
import { phaseOf, refOf, reportedStateOf, type Activity, type PersistedState, type TrustState } from '@edgefleet/device-core';
import type { DeviceEvent, ModelRef, ReportedError, ReportedState } from '@edgefleet/protocol';
import type { Verification, WebLogger, WebRuntimeEvents, WebStatus } from '../api';
import type { DeviceStore } from '../platform/device-store';
import type { LoadedModel } from '../runtime/ort-web';

/** A session and how its bytes were checked. */
export interface Installed {
  model: LoadedModel;
  verification: Verification;
}

export interface Outbound {
  publishState(state: ReportedState): void;
  publishEvent(event: DeviceEvent): void;
}

type EventFields = Pick<DeviceEvent, 'seq' | 'model' | 'error'>;
const MAX_PENDING_EVENTS = 200;

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

export class LiveState {
  private servingModel: Installed | null = null;
  candidate: Installed | null = null;
  private shadowModel: Installed | null = null;
  shadowFailure: { seq: number; sha256: string } | null = null;
  announcedSeq: number | null = null;
  connected = false;
  private activity: Activity = { kind: 'settled' };
  private error: ReportedError | null = null;
  private staleSeq: number | null = null;
  private link: Outbound | null = null;
  private pendingEvents: DeviceEvent[] = [];
  private writes: Promise<unknown> = Promise.resolve();
  private readonly listeners: { [K in keyof WebRuntimeEvents]: Set<(value: WebRuntimeEvents[K]) => void> } = { status: new Set(), event: new Set(), report: new Set() };
  private readonly servingListeners = new Set<(model: LoadedModel | null) => void>();
  private readonly shadowListeners = new Set<(model: LoadedModel | null) => void>();

  constructor(
    public persisted: PersistedState,
    public trust: TrustState,
    private readonly deps: LiveStateDeps,
  ) {}

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

  /** Persist first, then believe; one write at a time; lastSeq never goes down. */
  update(change: (current: PersistedState) => PersistedState): Promise<void> {
    const write = this.writes.then(async () => {
      const next = change(this.persisted);
      if (next.lastSeq < this.persisted.lastSeq) throw new Error(`refusing to lower lastSeq from ${this.persisted.lastSeq} to ${next.lastSeq}`);
      await this.deps.store.saveState(next);
      this.persisted = next;
    });
    this.writes = write.catch(() => {});
    return write;
  }

  status(): WebStatus {
    const shadow = this.runningShadow();
    const serving = this.servingModel;
    return {
      device: this.deps.deviceId,
      phase: phaseOf(this.activity, serving !== null, this.persisted.failure),
      active: serving ? refOf(serving.model.release) : null,
      previous: this.persisted.previous ? refOf(this.persisted.previous.manifest) : null,
      shadow: shadow ? refOf(shadow.release) : null,
      seq: this.persisted.lastSeq,
      error: this.error,
      ring: this.deps.ring,
      connected: this.connected,
      verification: serving?.verification ?? null,
      pendingWindows: this.deps.pendingWindows(),
      runtime: this.deps.runtime,
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

  emit(kind: DeviceEvent['kind'], fields: EventFields = {}): DeviceEvent {
    const event: DeviceEvent = { id: crypto.randomUUID(), device: this.deps.deviceId, kind, at: this.deps.now().toISOString(), ...fields };
    this.deps.logger.info(`event ${kind}`, { seq: event.seq, model: event.model?.version, code: event.error?.code, message: event.error?.message });
    this.notify('event', event);
    if (this.link) this.link.publishEvent(event);
    else if (this.pendingEvents.push(event) > MAX_PENDING_EVENTS) this.pendingEvents.shift();
    return event;
  }

  /** THREATS 6 (freeze): once the accepted doc has expired, say so once per doc. */
  checkStale(): void {
    const desired = this.persisted.desired;
    if (!desired || desired.seq === this.staleSeq || Date.parse(desired.expires) > this.deps.now().getTime()) return;
    this.staleSeq = desired.seq;
    this.emit('stale', { seq: desired.seq, model: this.servingRef() });
  }

  servingRef(): ModelRef | null {
    return this.servingModel ? refOf(this.servingModel.model.release) : null;
  }

  attachLink(link: Outbound | null): void {
    this.link = link;
    if (!link) return;
    for (const event of this.pendingEvents.splice(0)) link.publishEvent(event);
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
