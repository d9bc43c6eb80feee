/**
 * The part of a device runtime's live state every runtime keeps the same way (the agent's World,
 * the browser's LiveState): the persisted record, written before it is believed, one change at a
 * time and never lowering lastSeq; device events, sent over the link once there is one and kept
 * (bounded) until then; and the one-time `stale` event when the accepted doc expires (THREATS 6).
 * What serves, and what the status looks like, is the runtime's (subclass).
 */
import type { DeviceEvent, ModelRef, ReportedState } from '@edgefleet/protocol';
import type { CoreLogger } from '../runtime/ports';
import type { TrustState } from '../trust/trust-state';
import type { PersistedState } from './device-state';

/** Where reports go once the device is online (the MQTT link). */
export interface Outbound {
  publishState(state: ReportedState): void;
  publishEvent(event: DeviceEvent): void;
}

export type EventFields = Pick<DeviceEvent, 'seq' | 'model' | 'error'>;

/** Events raised before the first connection are kept (bounded) and sent once it exists. */
export const MAX_PENDING_EVENTS = 200;

export interface DeviceLedgerDeps {
  deviceId: string;
  now: () => Date;
  logger: CoreLogger;
  /** stores the whole record durably (atomically) before it is believed */
  saveState(state: PersistedState): Promise<void>;
  /** a unique event id (a UUID) */
  newId(): string;
}

export abstract class DeviceLedger {
  protected link: Outbound | null = null;
  private pendingEvents: DeviceEvent[] = [];
  private writes: Promise<unknown> = Promise.resolve();
  private staleSeq: number | null = null;

  constructor(
    public persisted: PersistedState,
    public trust: TrustState,
    protected readonly ledger: DeviceLedgerDeps,
  ) {}

  /** The release that serves now, for the stale event. */
  abstract servingRef(): ModelRef | null;

  /** Every event, as it is raised (local listeners). */
  protected abstract eventRaised(event: DeviceEvent): void;

  /**
   * Persist first, then believe: memory never holds a fact the store does not. Updates are
   * functions of the latest state, applied one at a time, so a doc accepted while an activation
   * is being written can never be overwritten by it (lastSeq must never go down).
   */
  update(change: (current: PersistedState) => PersistedState): Promise<void> {
    const write = this.writes.then(async () => {
      const next = change(this.persisted);
      if (next.lastSeq < this.persisted.lastSeq) throw new Error(`refusing to lower lastSeq from ${this.persisted.lastSeq} to ${next.lastSeq}`);
      await this.ledger.saveState(next);
      this.persisted = next;
    });
    this.writes = write.catch(() => {});
    return write;
  }

  emit(kind: DeviceEvent['kind'], fields: EventFields = {}): DeviceEvent {
    const event: DeviceEvent = { id: this.ledger.newId(), device: this.ledger.deviceId, kind, at: this.ledger.now().toISOString(), ...fields };
    this.ledger.logger.info(`event ${kind}`, { seq: event.seq, model: event.model?.model, version: event.model?.version, code: event.error?.code, message: event.error?.message });
    this.eventRaised(event);
    if (this.link) this.link.publishEvent(event);
    else if (this.pendingEvents.push(event) > MAX_PENDING_EVENTS) this.pendingEvents.shift();
    return event;
  }

  /** THREATS 6 (freeze): once the accepted doc has expired, say so once per doc. */
  checkStale(): void {
    const desired = this.persisted.desired;
    if (!desired || desired.seq === this.staleSeq || Date.parse(desired.expires) > this.ledger.now().getTime()) return;
    this.staleSeq = desired.seq;
    this.emit('stale', { seq: desired.seq, model: this.servingRef() });
  }

  attachLink(link: Outbound | null): void {
    this.link = link;
    if (!link) return;
    for (const event of this.pendingEvents.splice(0)) link.publishEvent(event);
  }
}
