/**
 * Messages devices publish, consumed in-process. Each is parsed with the protocol schemas at
 * this edge; anything malformed, mis-addressed or stale is counted, logged and audited once
 * per device and code, and changes no state (THREATS "Bad input on the wire").
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
} from '@edgefleet/protocol';
import { isStaleReport, notableChanges } from '../core/reported-state';
import { writeAudit } from '../adapters/db/audit';
import { getDevice, setOnline, updateReportedState } from '../adapters/db/devices';
import { insertEvent } from '../adapters/db/events';
import type { BrokerMessage } from '../adapters/broker/broker';
import type { HubContext } from './context';
import { storedState } from './devices';
import { requestReconcile } from './rollouts';
import { ingestStatsWindow } from './stats-ingest';

class Rejected extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function ingestMessage(ctx: HubContext, message: BrokerMessage): void {
  const parsed = parseDeviceTopic(message.topic);
  if (!parsed || parsed.kind === 'desired') return;
  const { deviceId, kind } = parsed;
  try {
    // The ACL already refused this; checked again so the hub never attributes it to the wrong device.
    // An external broker does not name the publisher (null): there its own ACL is the guarantee.
    if (message.clientId !== null && message.clientId !== deviceId) throw new Rejected('E_NOT_FOR_DEVICE', `client ${message.clientId} published on ${deviceId}'s topic`);
    if (!getDevice(ctx.db, deviceId)) throw new Rejected('E_UNKNOWN_DEVICE', `no device ${deviceId}`);
    const seenAt = ctx.now().toISOString();
    switch (kind) {
      case 'state':
        ingestState(ctx, deviceId, decodeMessage(reportedStateSchema, message.payload, 'state'), seenAt);
        break;
      case 'events':
        ingestEvent(ctx, deviceId, decodeMessage(deviceEventSchema, message.payload, 'event'), seenAt);
        break;
      case 'online':
        recordOnline(ctx, deviceId, decodeMessage(onlineMessageSchema, message.payload, 'online').online, 'message');
        break;
      case 'stats': {
        const outcome = ingestStatsWindow(ctx, deviceId, decodeStatsWindow(message.payload, 'stats'));
        if (!outcome.stored) throw new Rejected(outcome.code, outcome.message);
        // A redelivered msgId changes nothing: counted, never logged or audited (QoS 1 redelivers).
        if (outcome.duplicate) {
          ctx.ingest.rejected.record(deviceId, 'E_DUPLICATE', ctx.now().getTime());
          return;
        }
        break;
      }
    }
    ctx.ingest.received[kind]++;
  } catch (error) {
    if (error instanceof Rejected || error instanceof ProtocolError) reject(ctx, deviceId, kind, error.code, error.message);
    else throw error;
  }
}

function ingestState(ctx: HubContext, deviceId: string, state: ReportedState, seenAt: string): void {
  if (state.device !== deviceId) throw new Rejected('E_NOT_FOR_DEVICE', `state for ${state.device} on ${deviceId}'s topic`);
  ctx.db.transaction((tx) => {
    const previous = storedState(getDevice(tx, deviceId)?.reportedState);
    if (isStaleReport(previous, state)) throw new Rejected('E_STALE', `state seq ${state.seq} at ${state.at} is older than the stored one`);
    updateReportedState(tx, deviceId, state, state.error?.code ?? null, seenAt);
    const changes = notableChanges(previous, state);
    if (changes.length > 0) {
      writeAudit(tx, {
        at: ctx.now(),
        actor: `device:${deviceId}`,
        action: 'device.state.changed',
        subject: `device:${deviceId}`,
        details: { changes, seq: state.seq, phase: state.phase, active: state.active, shadow: state.shadow ?? null, error: state.error },
      });
    }
  });
  // A device that converged or failed may complete a rollout step or trip its threshold.
  requestReconcile(ctx);
}

function ingestEvent(ctx: HubContext, deviceId: string, event: DeviceEvent, seenAt: string): void {
  if (event.device !== deviceId) throw new Rejected('E_NOT_FOR_DEVICE', `event for ${event.device} on ${deviceId}'s topic`);
  // Redeliveries are recognised by the device's own event id, never the MQTT packet id.
  insertEvent(ctx.db, { deviceId, eventId: event.id, kind: event.kind, code: event.error?.code ?? null, at: event.at, receivedAt: seenAt, body: event });
}

/** Connection events and `online` messages both land here; only a change is audited. */
export function recordOnline(ctx: HubContext, deviceId: string, online: boolean, source: 'connection' | 'message'): void {
  const now = ctx.now();
  ctx.db.transaction((tx) => {
    if (!setOnline(tx, deviceId, online, now.toISOString())) return;
    writeAudit(tx, { at: now, actor: `device:${deviceId}`, action: online ? 'device.online' : 'device.offline', subject: `device:${deviceId}`, details: { source } });
  });
}

function reject(ctx: HubContext, deviceId: string, kind: string, code: string, reason: string): void {
  const now = ctx.now();
  const verdict = ctx.ingest.rejected.record(deviceId, code, now.getTime());
  if (!verdict.first) return;
  ctx.logger.warn('device message rejected', { device: deviceId, kind, code, reason: reason.slice(0, 300), suppressedBefore: verdict.suppressed });
  // Audit only messages attributable to an enrolled device; unknown ids must not grow the table.
  if (code === 'E_UNKNOWN_DEVICE') return;
  writeAudit(ctx.db, {
    at: now,
    actor: `device:${deviceId}`,
    action: 'device.message.rejected',
    subject: `device:${deviceId}`,
    details: { kind, code, reason: reason.slice(0, 300), suppressedBefore: verdict.suppressed },
  });
}
