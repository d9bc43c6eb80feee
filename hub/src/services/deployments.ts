/**
 * Pinning a device to a release: bump and commit the device's seq, sign the deployment doc,
 * persist it, then publish it retained. Retained messages are a cache of the database, rebuilt
 * by `republishRetained` on every start and external-broker reconnect (ARCHITECTURE rule 7).
 */
import { TRUST_TOPIC, desiredTopic, envelopeSchema, parseWith, signPayload } from '@edgefleet/protocol';
import { notFound } from '../core/errors';
import { planPin, storedDoc, type ReleaseRef } from '../core/deployment-doc';
import { getAssignment, listAssignments, upsertAssignment } from '../adapters/db/assignments';
import { writeAudit } from '../adapters/db/audit';
import { bumpSeq, getDevice } from '../adapters/db/devices';
import { getVersion, type ModelVersionRow } from '../adapters/db/models';
import type { HubContext } from './context';
import { storedState } from './devices';

const toRef = (row: ModelVersionRow): ReleaseRef => ({
  model: row.model,
  version: row.version,
  releaseCounter: row.releaseCounter,
  envelope: parseWith(envelopeSchema, row.manifest, `stored manifest of ${row.model}@${row.version}`),
});

const refOf = (ctx: HubContext, model: string | null, version: string | null): ReleaseRef | null => {
  if (model === null || version === null) return null;
  const row = getVersion(ctx.db, model, version);
  return row ? toRef(row) : null;
};

export interface AssignResult {
  device: string;
  model: string;
  version: string;
  seq: number;
  /** the release the doc names as its shadow, null when none */
  shadow: { model: string; version: string } | null;
}

export interface AssignTarget {
  model: string;
  version: string;
  /** set when a rollout assigns (the doc names it); absent for a manual pin */
  rollout?: { id: string; step: number };
  /**
   * A version (of this or any model) to run in shadow mode beside the target: the device runs it
   * on the same inputs, never serves its answers, and reports agreement and latency (ROLLOUTS
   * "Shadow"). The doc is the whole desired state: absent or null means no shadow.
   */
  shadow?: { model: string; version: string } | null;
}

export function assignDevice(ctx: HubContext, deviceId: string, target: AssignTarget, actor: string): Promise<AssignResult> {
  // One assignment per device at a time, so retained docs are published in seq order.
  return ctx.locks.devices.run(deviceId, async () => {
    const device = getDevice(ctx.db, deviceId);
    if (!device) throw notFound(`device ${deviceId}`);
    const targetRow = getVersion(ctx.db, target.model, target.version);
    if (!targetRow) throw notFound(`model version ${target.model}@${target.version}`);
    const targetRef = toRef(targetRow);
    const shadowRow = target.shadow ? getVersion(ctx.db, target.shadow.model, target.shadow.version) : null;
    if (target.shadow && !shadowRow) throw notFound(`model version ${target.shadow.model}@${target.shadow.version}`);
    const shadowRef = shadowRow ? toRef(shadowRow) : null;

    const assignment = getAssignment(ctx.db, deviceId);
    const current = assignment ? refOf(ctx, assignment.model, assignment.version) : null;
    const currentPrevious = assignment ? refOf(ctx, assignment.previousModel, assignment.previousVersion) : null;
    const reported = storedState(device.reportedState)?.active ?? null;
    const reportedRef = reported ? refOf(ctx, reported.model, reported.version) : null;
    const servingCounters = [current, reportedRef].filter((ref) => ref !== null && ref.model === target.model).map((ref) => ref?.releaseCounter ?? 0);

    // PROTOCOL: seq strictly increases per device; committed before anything is signed or sent.
    const seq = ctx.db.transaction((tx) => bumpSeq(tx, deviceId));
    const now = ctx.now();
    const plan = planPin({ device: deviceId, seq, now, ttlS: ctx.deploymentTtlS, statsIntervalS: ctx.statsIntervalS, target: targetRef, current, currentPrevious, servingCounters, rollout: target.rollout ?? null, shadow: shadowRef });
    const shadow = plan.shadow ? { model: plan.shadow.model, version: plan.shadow.version } : null;
    const envelope = await signPayload(plan.doc, [ctx.keys.release]);

    ctx.db.transaction((tx) => {
      upsertAssignment(tx, {
        deviceId,
        model: target.model,
        version: target.version,
        seq,
        doc: envelope,
        previousModel: plan.previous?.model ?? null,
        previousVersion: plan.previous?.version ?? null,
        assignedAt: now.toISOString(),
        shadowModel: shadow?.model ?? null,
        shadowVersion: shadow?.version ?? null,
      });
      writeAudit(tx, {
        at: now,
        actor,
        action: 'device.assigned',
        subject: `device:${deviceId}`,
        details: {
          model: target.model,
          version: target.version,
          seq,
          previous: plan.previous ? `${plan.previous.model}@${plan.previous.version}` : null,
          allowDowngrade: plan.doc.allowDowngrade,
          ...(target.rollout ? { rollout: target.rollout.id, step: target.rollout.step } : {}),
          ...(shadow ? { shadow: `${shadow.model}@${shadow.version}` } : {}),
        },
      });
    });
    await ctx.broker.publish(desiredTopic(deviceId), JSON.stringify(envelope), { retain: true });
    ctx.logger.info('device assigned', { device: deviceId, model: target.model, version: target.version, seq, shadow: shadow ? `${shadow.model}@${shadow.version}` : null });
    return { device: deviceId, model: target.model, version: target.version, seq, shadow };
  });
}

/**
 * Rebuilds the broker's retained cache from the database: the trust doc and every deployment doc.
 * Runs on start and, with an external broker, on every reconnect, possibly next to an assignment:
 * each doc is re-read and published under its device's lock, so an older doc never overwrites a
 * newer retained one.
 */
export async function republishRetained(ctx: HubContext): Promise<number> {
  await ctx.broker.publish(TRUST_TOPIC, JSON.stringify(ctx.keys.trustEnvelope), { retain: true });
  const rows = listAssignments(ctx.db);
  for (const { deviceId } of rows) {
    await ctx.locks.devices.run(deviceId, async () => {
      const row = getAssignment(ctx.db, deviceId);
      if (row) await ctx.broker.publish(desiredTopic(deviceId), JSON.stringify(row.doc), { retain: true });
    });
  }
  return rows.length;
}

/**
 * Deployment docs expire (THREATS 6: freeze protection), so the hub re-issues the same desired
 * state with a new seq once half the lifetime has passed. A device that was offline for a week
 * then still finds a valid doc waiting for it.
 */
export async function refreshExpiringDocs(ctx: HubContext): Promise<number> {
  const horizon = ctx.now().getTime() + (ctx.deploymentTtlS * 1000) / 2;
  let refreshed = 0;
  for (const row of listAssignments(ctx.db)) {
    const stored = storedDoc(row.doc);
    if (stored && Date.parse(stored.expires) > horizon) continue;
    try {
      // The same desired state again: the same rollout step and the same shadow.
      const shadow = row.shadowModel !== null && row.shadowVersion !== null ? { model: row.shadowModel, version: row.shadowVersion } : null;
      await assignDevice(ctx, row.deviceId, { model: row.model, version: row.version, ...(stored?.rollout ? { rollout: stored.rollout } : {}), shadow }, 'hub:refresh');
      refreshed++;
    } catch (error) {
      ctx.logger.error('could not refresh a deployment doc', { device: row.deviceId, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return refreshed;
}
