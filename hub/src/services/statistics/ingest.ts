/**
 * Messages devices publish, consumed in-process. Each is parsed with the protocol schemas at
 * this edge; anything malformed, mis-addressed or stale is counted, logged and audited once
 * per device and code, and changes no state (THREATS "Bad input on the wire").
 *
 * Messages and connection events are applied in batches (ingest-batcher.ts queues them): one
 * database transaction per batch, in arrival order, with the same rules as one at a time: a
 * window's msgId is claimed once (a second copy in the same batch is a duplicate), a state report
 * older than the one before it (stored or earlier in the batch) is stale, each accepted report is
 * compared with the one before it for the audit trail, and a device's presence is written once
 * per batch, its last event winning (one that came and went within a batch, a few milliseconds,
 * leaves no audit row). Counters, refusals (log and audit) and the rollout
 * controller's wake-up follow the commit, so a batch that rolls back leaves no trace.
 *
 * Payloads are decoded before the transaction begins, so it holds its locks only for the reads
 * and writes. On PostgreSQL several hub replicas ingest at once (the broker's shared subscription
 * spreads a device's messages over them): the transaction first locks the rows of the batch's
 * devices, in id order, so what it reads of a device (stored report, presence, buckets) is what
 * it overwrites; a batch that lost a deadlock or found a bucket changed under it
 * (StaleBucketError) is applied again from the start.
 */
import {
  ProtocolError,
  decodeMessage,
  deviceEventSchema,
  onlineMessageSchema,
  parseDeviceTopic,
  reportedStateSchema,
  decodeStatsWindow,
  type DeviceEvent,
  type ReportedState,
  type StatsWindow,
} from '@edgefleet/protocol';
import { PresenceAuditLimiter } from '../../core/presence-audit';
import { isStaleReport, notableChanges } from '../../core/reported-state';
import { writeAudit, type AuditEntry } from '../../adapters/db/audit';
import type { Db } from '../../adapters/db/db';
import { getStoredReport, lockDevices, onlineFlags, setOnlineMany, updateReportedState } from '../../adapters/db/devices';
import { insertEvent } from '../../adapters/db/events';
import type { BrokerMessage } from '../../adapters/broker/broker';
import type { HubContext, IngestKind } from '../context';
import { storedState } from '../devices/devices';
import { requestReconcile } from '../rollouts/rollouts';
import { ingestStatsWindows, pruneStatsIfDue, StaleBucketError, type StatsItem } from './stats-ingest';
import { isTransientConflict } from '../../adapters/db/dialect';

export type PresenceSource = 'connection' | 'message';

/** What ingestion applies: a message from the broker, or a device's connection opening or closing. */
export type IngestItem = { kind: 'message'; message: BrokerMessage } | { kind: 'presence'; deviceId: string; online: boolean; source: PresenceSource };

type Outcome =
  | { type: 'ignored' }
  /** `changed`: a state report that differs in what an operator or the rollout controller looks at (not a refresh) */
  | { type: 'accepted'; deviceId: string; kind: IngestKind; changed?: boolean }
  | { type: 'duplicate'; deviceId: string }
  | { type: 'rejected'; deviceId: string; kind: IngestKind; code: string; reason: string };

const rejected = (deviceId: string, kind: IngestKind, code: string, reason: string): Outcome => ({ type: 'rejected', deviceId, kind, code, reason });

/** A message's payload as the protocol decoded it, or why it could not. */
type Decoded = { kind: 'state'; state: ReportedState } | { kind: 'events'; event: DeviceEvent } | { kind: 'online'; online: boolean } | { kind: 'stats'; window: StatsWindow } | { kind: 'invalid'; error: ProtocolError };

/** A message on a device topic the hub ingests, from the device it names (so far as the broker can tell). */
type Addressed = { deviceId: string; kind: IngestKind; decoded: Decoded } | Outcome;

function address(message: BrokerMessage): Addressed {
  const parsed = parseDeviceTopic(message.topic);
  if (!parsed || parsed.kind === 'desired') return { type: 'ignored' };
  const { deviceId, kind } = parsed;
  // The ACL already refused this; checked again so the hub never attributes it to the wrong device.
  // An external broker does not name the publisher (null): there its own ACL is the guarantee.
  if (message.clientId !== null && message.clientId !== deviceId) return rejected(deviceId, kind, 'E_NOT_FOR_DEVICE', `client ${message.clientId} published on ${deviceId}'s topic`);
  // Devices never publish retained (PROTOCOL); one an external broker kept anyway is stale or forged.
  if (message.retained === true) return rejected(deviceId, kind, 'E_RETAINED', `retained message on ${message.topic} ignored (devices never publish retained)`);
  return { deviceId, kind, decoded: decode(kind, message.payload) };
}

/** Pure, so done before the transaction; anything but a ProtocolError is a bug and fails the batch. */
function decode(kind: IngestKind, payload: Buffer): Decoded {
  try {
    switch (kind) {
      case 'state':
        return { kind, state: decodeMessage(reportedStateSchema, payload, 'state') };
      case 'events':
        return { kind, event: decodeMessage(deviceEventSchema, payload, 'event') };
      case 'online':
        return { kind, online: decodeMessage(onlineMessageSchema, payload, 'online').online };
      case 'stats':
        return { kind, window: decodeStatsWindow(payload, 'stats') };
    }
  } catch (error) {
    if (error instanceof ProtocolError) return { kind: 'invalid', error };
    throw error;
  }
}

const isOutcome = (value: Addressed): value is Outcome => 'type' in value;

type Entry = Addressed | { presence: Extract<IngestItem, { kind: 'presence' }> };

/** What one batch changes in the devices table, written once per device after every item was seen. */
interface DeviceWrites {
  /** the latest accepted report per device: what the next report of the batch is compared with */
  reports: Map<string, ReportedState>;
  /** the last presence per device, in arrival order */
  presence: Map<string, { online: boolean; source: PresenceSource }>;
}

/** Attempts at a batch that lost a deadlock or found a bucket changed under it, before it fails. */
const MAX_ATTEMPTS = 4;

/** Whether the batch may succeed if applied again: another transaction got in its way. */
const isRetryable = (error: unknown): boolean => isTransientConflict(error, [StaleBucketError]);

/**
 * Applies `items` in one transaction, then counts, logs and audits what was refused. Rejects when
 * the transaction failed: then nothing of the batch is stored or counted.
 */
/** What applying a batch uses of the hub: the database, clock, log and counters, and whom it wakes. */
export type IngestDeps = Pick<HubContext, 'db' | 'now' | 'logger' | 'ingest' | 'jobs'> & Parameters<typeof ingestStatsWindows>[0];

export async function applyIngestBatch(ctx: IngestDeps, items: readonly IngestItem[]): Promise<void> {
  const now = ctx.now();
  await pruneStatsIfDue(ctx, now.getTime());
  const entries = items.map((item): Entry => (item.kind === 'message' ? address(item.message) : { presence: item }));
  const ids = new Set<string>();
  for (const entry of entries) {
    if ('presence' in entry) ids.add(entry.presence.deviceId);
    else if (!isOutcome(entry)) ids.add(entry.deviceId);
  }
  const sortedIds = [...ids].sort();
  for (let attempt = 1; ; attempt++) {
    try {
      const { outcomes, committed } = await ctx.db.transaction((tx) => applyInTransaction(ctx, tx, entries, sortedIds, now));
      committed();
      await afterCommit(ctx, outcomes, now);
      return;
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) throw error;
      ctx.logger.info('ingestion batch met a concurrent write; applying it again', { attempt, size: items.length, error: String(error) });
    }
  }
}

/** The batch's reads and writes, all on `tx`; returns the outcomes and what to do once it committed. */
async function applyInTransaction(ctx: IngestDeps, tx: Db, entries: readonly Entry[], ids: readonly string[], now: Date): Promise<{ outcomes: Outcome[]; committed: () => void }> {
  const seenAt = now.toISOString();
  await lockDevices(tx, ids);
  const enrolled = await onlineFlags(tx, ids);
  const writes: DeviceWrites = { reports: new Map(), presence: new Map() };
  const stats: Array<StatsItem & { index: number }> = [];
  const results: Outcome[] = [];
  for (const [index, entry] of entries.entries()) results.push(await applyEntry(index, entry));

  async function applyEntry(index: number, entry: Entry): Promise<Outcome> {
    if ('presence' in entry) {
      const { deviceId, online, source } = entry.presence;
      // A connection of something that is not (or no longer) a device changes nothing.
      if (enrolled.has(deviceId)) writes.presence.set(deviceId, { online, source });
      return { type: 'ignored' };
    }
    if (isOutcome(entry)) return entry;
    const { deviceId, kind, decoded } = entry;
    if (!enrolled.has(deviceId)) return rejected(deviceId, kind, 'E_UNKNOWN_DEVICE', `no device ${deviceId}`);
    switch (decoded.kind) {
      case 'invalid':
        return rejected(deviceId, kind, decoded.error.code, decoded.error.message);
      case 'state':
        return applyState(ctx, tx, writes, deviceId, decoded.state);
      case 'events': {
        const { event } = decoded;
        if (event.device !== deviceId) return rejected(deviceId, kind, 'E_NOT_FOR_DEVICE', `event for ${event.device} on ${deviceId}'s topic`);
        // Redeliveries are recognised by the device's own event id, never the MQTT packet id.
        await insertEvent(tx, { deviceId, eventId: event.id, kind: event.kind, code: event.error?.code ?? null, at: event.at, receivedAt: seenAt, body: event });
        return { type: 'accepted', deviceId, kind };
      }
      case 'online':
        writes.presence.set(deviceId, { online: decoded.online, source: 'message' });
        return { type: 'accepted', deviceId, kind };
      case 'stats':
        stats.push({ index, deviceId, window: decoded.window });
        return { type: 'ignored' }; // replaced below by the window's outcome, once they are all stored
    }
  }

  const { outcomes: statsOutcomes, committed } = await ingestStatsWindows(ctx, tx, stats, now);
  stats.forEach(({ index, deviceId }, i) => {
    const outcome = statsOutcomes[i];
    if (!outcome) throw new Error('stats ingestion returned fewer outcomes than windows');
    // A redelivered msgId changes nothing: counted, never logged or audited (QoS 1 redelivers).
    results[index] = !outcome.stored ? rejected(deviceId, 'stats', outcome.code, outcome.message) : outcome.duplicate ? { type: 'duplicate', deviceId } : { type: 'accepted', deviceId, kind: 'stats' };
  });
  for (const [deviceId, state] of writes.reports) await updateReportedState(tx, deviceId, state, state.error?.code ?? null, seenAt);
  await writePresence(tx, writes, enrolled, now, presenceAuditsOf(ctx.ingest));
  return { outcomes: results, committed };
}

async function applyState(ctx: Pick<HubContext, 'now'>, tx: Db, writes: DeviceWrites, deviceId: string, state: ReportedState): Promise<Outcome> {
  if (state.device !== deviceId) return rejected(deviceId, 'state', 'E_NOT_FOR_DEVICE', `state for ${state.device} on ${deviceId}'s topic`);
  const previous = writes.reports.has(deviceId) ? (writes.reports.get(deviceId) ?? null) : storedState((await getStoredReport(tx, deviceId))?.state);
  if (isStaleReport(previous, state)) return rejected(deviceId, 'state', 'E_STALE', `state seq ${state.seq} at ${state.at} is older than the stored one`);
  writes.reports.set(deviceId, state);
  const changes = notableChanges(previous, state);
  if (changes.length > 0) {
    await writeAudit(tx, {
      at: ctx.now(),
      actor: `device:${deviceId}`,
      action: 'device.state.changed',
      subject: `device:${deviceId}`,
      details: { changes, seq: state.seq, phase: state.phase, active: state.active, shadow: state.shadow ?? null, error: state.error },
    });
  }
  // The controller also matches the seq a device reports against the one it was sent.
  return { type: 'accepted', deviceId, kind: 'state', changed: changes.length > 0 || previous?.seq !== state.seq };
}

/** Each hub's presence audit limiter (core/presence-audit.ts), kept beside its ingestion counters. */
const presenceAudits = new WeakMap<object, PresenceAuditLimiter>();
function presenceAuditsOf(ingest: object): PresenceAuditLimiter {
  let limiter = presenceAudits.get(ingest);
  if (!limiter) presenceAudits.set(ingest, (limiter = new PresenceAuditLimiter()));
  return limiter;
}

/**
 * Connection events and `online` messages: one write per device, its last event winning; only a
 * change is audited, at most once per device a minute (a device reconnecting in a loop).
 */
async function writePresence(tx: Db, writes: DeviceWrites, stored: ReadonlyMap<string, boolean>, now: Date, audits: PresenceAuditLimiter): Promise<void> {
  if (writes.presence.size === 0) return;
  const seenAt = now.toISOString();
  const bySide: Record<'true' | 'false', string[]> = { true: [], false: [] };
  for (const [deviceId, { online, source }] of writes.presence) {
    bySide[online ? 'true' : 'false'].push(deviceId);
    if (stored.get(deviceId) === online) continue;
    const decision = audits.admit(deviceId, now.getTime());
    if (!decision.audit) continue;
    const details = decision.suppressed > 0 ? { source, suppressed: decision.suppressed } : { source };
    await writeAudit(tx, { at: now, actor: `device:${deviceId}`, action: online ? 'device.online' : 'device.offline', subject: `device:${deviceId}`, details });
  }
  await setOnlineMany(tx, bySide.true, true, seenAt);
  await setOnlineMany(tx, bySide.false, false, seenAt);
}

/** Counters, refusals (logged and audited once per device and code) and the controller's wake-up. */
async function afterCommit(ctx: IngestDeps, outcomes: readonly Outcome[], now: Date): Promise<void> {
  const nowMs = now.getTime();
  const audits: AuditEntry[] = [];
  let reported = false;
  for (const outcome of outcomes) {
    switch (outcome.type) {
      case 'accepted':
        ctx.ingest.received[outcome.kind]++;
        // An unchanged report (the agent's periodic refresh) gives the controller nothing new.
        if (outcome.kind === 'state' && outcome.changed === true) reported = true;
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
      await ctx.db.transaction(async (tx) => {
        for (const entry of audits) await writeAudit(tx, entry);
      });
    } catch (error) {
      ctx.logger.error('could not audit rejected device messages', { error: String(error), count: audits.length });
    }
  }
  // A device that converged or failed may complete a rollout step or trip its threshold.
  if (reported) requestReconcile(ctx);
}

function reject(ctx: Pick<HubContext, 'ingest' | 'logger'>, outcome: Extract<Outcome, { type: 'rejected' }>, now: Date): AuditEntry | null {
  const { deviceId, kind, code } = outcome;
  const reason = outcome.reason.slice(0, 300);
  const verdict = ctx.ingest.rejected.record(deviceId, code, now.getTime());
  if (!verdict.first) return null;
  ctx.logger.warn('device message rejected', { device: deviceId, kind, code, reason, suppressedBefore: verdict.suppressed });
  // Audit only messages attributable to an enrolled device; unknown ids must not grow the table.
  if (code === 'E_UNKNOWN_DEVICE') return null;
  return { at: now, actor: `device:${deviceId}`, action: 'device.message.rejected', subject: `device:${deviceId}`, details: { kind, code, reason, suppressedBefore: verdict.suppressed } };
}
