/**
 * Messages devices publish, consumed in-process. Each is parsed with the protocol schemas at
 * this edge; anything malformed, mis-addressed or stale is counted, logged and audited once
 * per device and code, and changes no state (THREATS "Bad input on the wire").
 *
 * Messages and connection events are applied in batches (ingest-batcher.ts queues them): one
 * SQLite transaction per batch, in arrival order, with the same rules as one at a time: a
 * window's msgId is claimed once (a second copy in the same batch is a duplicate), a state report
 * older than the one before it (stored or earlier in the batch) is stale, each accepted report is
 * compared with the one before it for the audit trail, and a device's presence is written once
 * per batch, its last event winning (one that came and went within a batch, a few milliseconds,
 * leaves no audit row). Counters, refusals (log and audit) and the rollout
 * controller's wake-up follow the commit, so a batch that rolls back leaves no trace.
 */
import {
  ProtocolError,
  decodeMessage,
  deviceEventSchema,
  onlineMessageSchema,
  parseDeviceTopic,
  reportedStateSchema,
  decodeStatsWindow,
  type ReportedState,
} from '@edgefleet/protocol';
import { isStaleReport, notableChanges } from '../../core/reported-state';
import { writeAudit, type AuditEntry } from '../../adapters/db/audit';
import { getStoredReport, onlineFlags, setOnlineMany, updateReportedState } from '../../adapters/db/devices';
import { insertEvent } from '../../adapters/db/events';
import type { Db } from '../../adapters/db/open';
import type { BrokerMessage } from '../../adapters/broker/broker';
import type { HubContext, IngestKind } from '../context';
import { storedState } from '../devices/devices';
import { requestReconcile } from '../rollouts/rollouts';
import { ingestStatsWindows, pruneStatsIfDue, type StatsItem } from './stats-ingest';

export type PresenceSource = 'connection' | 'message';

/** What ingestion applies: a message from the broker, or a device's connection opening or closing. */
export type IngestItem = { kind: 'message'; message: BrokerMessage } | { kind: 'presence'; deviceId: string; online: boolean; source: PresenceSource };

type Outcome =
  | { type: 'ignored' }
  | { type: 'accepted'; deviceId: string; kind: IngestKind }
  | { type: 'duplicate'; deviceId: string }
  | { type: 'rejected'; deviceId: string; kind: IngestKind; code: string; reason: string };

const rejected = (deviceId: string, kind: IngestKind, code: string, reason: string): Outcome => ({ type: 'rejected', deviceId, kind, code, reason });

/** A message on a device topic the hub ingests, from the device it names (so far as the broker can tell). */
type Addressed = { deviceId: string; kind: IngestKind; payload: Buffer } | Outcome;

function address(message: BrokerMessage): Addressed {
  const parsed = parseDeviceTopic(message.topic);
  if (!parsed || parsed.kind === 'desired') return { type: 'ignored' };
  const { deviceId, kind } = parsed;
  // The ACL already refused this; checked again so the hub never attributes it to the wrong device.
  // An external broker does not name the publisher (null): there its own ACL is the guarantee.
  if (message.clientId !== null && message.clientId !== deviceId) return rejected(deviceId, kind, 'E_NOT_FOR_DEVICE', `client ${message.clientId} published on ${deviceId}'s topic`);
  // Devices never publish retained (PROTOCOL); one an external broker kept anyway is stale or forged.
  if (message.retained === true) return rejected(deviceId, kind, 'E_RETAINED', `retained message on ${message.topic} ignored (devices never publish retained)`);
  return { deviceId, kind, payload: message.payload };
}

const isOutcome = (value: Addressed): value is Outcome => 'type' in value;

/** What one batch changes in the devices table, written once per device after every item was seen. */
interface DeviceWrites {
  /** the latest accepted report per device: what the next report of the batch is compared with */
  reports: Map<string, ReportedState>;
  /** the last presence per device, in arrival order */
  presence: Map<string, { online: boolean; source: PresenceSource }>;
}

/**
 * Applies `items` in one transaction, then counts, logs and audits what was refused. Throws when
 * the transaction failed: then nothing of the batch is stored or counted.
 */
export function applyIngestBatch(ctx: HubContext, items: readonly IngestItem[]): void {
  const now = ctx.now();
  const seenAt = now.toISOString();
  pruneStatsIfDue(ctx, now.getTime());
  const addressed = items.map((item): Addressed | { presence: Extract<IngestItem, { kind: 'presence' }> } => (item.kind === 'message' ? address(item.message) : { presence: item }));
  const ids = new Set<string>();
  for (const entry of addressed) {
    if ('presence' in entry) ids.add(entry.presence.deviceId);
    else if (!isOutcome(entry)) ids.add(entry.deviceId);
  }

  // The statements below run on the hub's own handle, inside this transaction: better-sqlite3 has
  // one connection, so everything it runs until the callback returns is part of the transaction,
  // and statements prepared on that handle are prepared once, not once per batch (a transaction
  // handle prepares its own: 13% of the main thread's time at 128-message batches).
  const db = ctx.db;
  let statsCommitted = (): void => {};
  const outcomes = ctx.db.transaction((): Outcome[] => {
    const enrolled = onlineFlags(db, [...ids]);
    const writes: DeviceWrites = { reports: new Map(), presence: new Map() };
    const stats: Array<StatsItem & { index: number }> = [];
    const results = addressed.map((entry, index): Outcome => {
      if ('presence' in entry) {
        const { deviceId, online, source } = entry.presence;
        // A connection of something that is not (or no longer) a device changes nothing.
        if (enrolled.has(deviceId)) writes.presence.set(deviceId, { online, source });
        return { type: 'ignored' };
      }
      if (isOutcome(entry)) return entry;
      const { deviceId, kind, payload } = entry;
      if (!enrolled.has(deviceId)) return rejected(deviceId, kind, 'E_UNKNOWN_DEVICE', `no device ${deviceId}`);
      try {
        switch (kind) {
          case 'state':
            return applyState(ctx, db, writes, deviceId, decodeMessage(reportedStateSchema, payload, 'state'));
          case 'events': {
            const event = decodeMessage(deviceEventSchema, payload, 'event');
            if (event.device !== deviceId) return rejected(deviceId, kind, 'E_NOT_FOR_DEVICE', `event for ${event.device} on ${deviceId}'s topic`);
            // Redeliveries are recognised by the device's own event id, never the MQTT packet id.
            insertEvent(db, { deviceId, eventId: event.id, kind: event.kind, code: event.error?.code ?? null, at: event.at, receivedAt: seenAt, body: event });
            return { type: 'accepted', deviceId, kind };
          }
          case 'online':
            writes.presence.set(deviceId, { online: decodeMessage(onlineMessageSchema, payload, 'online').online, source: 'message' });
            return { type: 'accepted', deviceId, kind };
          case 'stats': {
            stats.push({ index, deviceId, window: decodeStatsWindow(payload, 'stats') });
            return { type: 'ignored' }; // replaced below by the window's outcome, once they are all stored
          }
        }
      } catch (error) {
        if (error instanceof ProtocolError) return rejected(deviceId, kind, error.code, error.message);
        throw error;
      }
    });
    const { outcomes: statsOutcomes, committed } = ingestStatsWindows(ctx, db, stats, now);
    statsCommitted = committed;
    stats.forEach(({ index, deviceId }, i) => {
      const outcome = statsOutcomes[i];
      if (!outcome) throw new Error('stats ingestion returned fewer outcomes than windows');
      // A redelivered msgId changes nothing: counted, never logged or audited (QoS 1 redelivers).
      results[index] = !outcome.stored ? rejected(deviceId, 'stats', outcome.code, outcome.message) : outcome.duplicate ? { type: 'duplicate', deviceId } : { type: 'accepted', deviceId, kind: 'stats' };
    });
    for (const [deviceId, state] of writes.reports) updateReportedState(db, deviceId, state, state.error?.code ?? null, seenAt);
    writePresence(db, writes, enrolled, now);
    return results;
  });
  statsCommitted();
  afterCommit(ctx, outcomes, now);
}

function applyState(ctx: HubContext, db: Db, writes: DeviceWrites, deviceId: string, state: ReportedState): Outcome {
  if (state.device !== deviceId) return rejected(deviceId, 'state', 'E_NOT_FOR_DEVICE', `state for ${state.device} on ${deviceId}'s topic`);
  const previous = writes.reports.has(deviceId) ? (writes.reports.get(deviceId) ?? null) : storedState(getStoredReport(db, deviceId)?.state);
  if (isStaleReport(previous, state)) return rejected(deviceId, 'state', 'E_STALE', `state seq ${state.seq} at ${state.at} is older than the stored one`);
  writes.reports.set(deviceId, state);
  const changes = notableChanges(previous, state);
  if (changes.length > 0) {
    writeAudit(db, {
      at: ctx.now(),
      actor: `device:${deviceId}`,
      action: 'device.state.changed',
      subject: `device:${deviceId}`,
      details: { changes, seq: state.seq, phase: state.phase, active: state.active, shadow: state.shadow ?? null, error: state.error },
    });
  }
  return { type: 'accepted', deviceId, kind: 'state' };
}

/** Connection events and `online` messages: one write per device, its last event winning; only a change is audited. */
function writePresence(db: Db, writes: DeviceWrites, stored: ReadonlyMap<string, boolean>, now: Date): void {
  if (writes.presence.size === 0) return;
  const seenAt = now.toISOString();
  const bySide: Record<'true' | 'false', string[]> = { true: [], false: [] };
  for (const [deviceId, { online, source }] of writes.presence) {
    bySide[online ? 'true' : 'false'].push(deviceId);
    if (stored.get(deviceId) === online) continue;
    writeAudit(db, { at: now, actor: `device:${deviceId}`, action: online ? 'device.online' : 'device.offline', subject: `device:${deviceId}`, details: { source } });
  }
  setOnlineMany(db, bySide.true, true, seenAt);
  setOnlineMany(db, bySide.false, false, seenAt);
}

/** Counters, refusals (logged and audited once per device and code) and the controller's wake-up. */
function afterCommit(ctx: HubContext, outcomes: readonly Outcome[], now: Date): void {
  const nowMs = now.getTime();
  const audits: AuditEntry[] = [];
  let reported = false;
  for (const outcome of outcomes) {
    switch (outcome.type) {
      case 'accepted':
        ctx.ingest.received[outcome.kind]++;
        if (outcome.kind === 'state') reported = true;
        break;
      case 'duplicate':
        ctx.ingest.rejected.record(outcome.deviceId, 'E_DUPLICATE', nowMs);
        break;
      case 'rejected': {
        const audit = reject(ctx, outcome, now);
        if (audit) audits.push(audit);
        break;
      }
      case 'ignored':
        break;
    }
  }
  if (audits.length > 0) {
    try {
      ctx.db.transaction(() => {
        for (const entry of audits) writeAudit(ctx.db, entry);
      });
    } catch (error) {
      ctx.logger.error('could not audit rejected device messages', { error: String(error), count: audits.length });
    }
  }
  // A device that converged or failed may complete a rollout step or trip its threshold.
  if (reported) requestReconcile(ctx);
}

function reject(ctx: HubContext, outcome: Extract<Outcome, { type: 'rejected' }>, now: Date): AuditEntry | null {
  const { deviceId, kind, code } = outcome;
  const reason = outcome.reason.slice(0, 300);
  const verdict = ctx.ingest.rejected.record(deviceId, code, now.getTime());
  if (!verdict.first) return null;
  ctx.logger.warn('device message rejected', { device: deviceId, kind, code, reason, suppressedBefore: verdict.suppressed });
  // Audit only messages attributable to an enrolled device; unknown ids must not grow the table.
  if (code === 'E_UNKNOWN_DEVICE') return null;
  return { at: now, actor: `device:${deviceId}`, action: 'device.message.rejected', subject: `device:${deviceId}`, details: { kind, code, reason, suppressedBefore: verdict.suppressed } };
}
