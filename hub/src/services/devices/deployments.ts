/**
 * Pinning devices to releases: bump and commit each device's seq, sign its deployment doc, store
 * it, then hand it to the broker retained, without waiting for delivery (the reply follows the
 * commit; issue 12). Retained messages are a cache of the database, rebuilt by
 * `republishRetained` on every start and external-broker reconnect (ARCHITECTURE rule 7).
 *
 * From the seq bump to handing the doc to the broker nothing awaits (the signer is synchronous),
 * so docs of one device reach the broker in seq order without a lock, and a rollout step assigns
 * thousands of devices in one transaction: about 0.2 ms of hub CPU per device (BENCHMARKS.md).
 */
import { TRUST_TOPIC, desiredTopic, isReleaseRef, type Envelope } from '@edgefleet/protocol';
import { conflict, notFound } from '../../core/errors';
import { planPin, storedDoc, type ReleaseRef } from '../../core/deployment-doc';
import { getAssignment, getAssignmentTarget, listAssignmentDocs, listAssignmentTargets, listAssignments, upsertAssignment } from '../../adapters/db/assignments';
import { writeAudit } from '../../adapters/db/audit';
import { bumpSeq, getStoredReport } from '../../adapters/db/devices';
import { summarizeReport } from '../../core/reported-state';
import type { HubContext } from '../context';

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

export interface DeviceAssignment {
  deviceId: string;
  target: AssignTarget;
}

/** Devices per transaction when assigning many. */
const ASSIGN_CHUNK = 500;

type AssignDeps = Pick<HubContext, 'db' | 'releases' | 'signDoc' | 'broker' | 'logger' | 'now' | 'deploymentTtlS' | 'statsIntervalS'>;

const releaseOf = (ctx: Pick<HubContext, 'releases'>, model: string | null, version: string | null): ReleaseRef | null =>
  model === null || version === null ? null : (ctx.releases.get(model, version) ?? null);

function requireRelease(ctx: Pick<HubContext, 'releases'>, model: string, version: string): ReleaseRef {
  const release = ctx.releases.get(model, version);
  if (!release) throw notFound(`model version ${model}@${version}`);
  return release;
}

/** One device's doc, signed and stored in the caller's transaction; null when the device does not exist. */
function assignInTx(ctx: AssignDeps, tx: HubContext['db'], deviceId: string, target: AssignTarget, actor: string, now: Date): { result: AssignResult; envelope: Envelope } | null {
  const stored = getStoredReport(tx, deviceId);
  if (stored === undefined || stored.decommissionedAt !== null) return null;
  const reported = summarizeReport(stored.state)?.active ?? null;
  const targetRef = requireRelease(ctx, target.model, target.version);
  const shadowRef = target.shadow ? requireRelease(ctx, target.shadow.model, target.shadow.version) : null;
  const assignment = getAssignmentTarget(tx, deviceId);
  const current = assignment ? releaseOf(ctx, assignment.model, assignment.version) : null;
  const currentPrevious = assignment ? releaseOf(ctx, assignment.previousModel, assignment.previousVersion) : null;
  const reportedRef = reported ? releaseOf(ctx, reported.model, reported.version) : null;
  const servingCounters = [current, reportedRef].filter((ref) => ref !== null && ref.model === target.model).map((ref) => ref?.releaseCounter ?? 0);

  // PROTOCOL: seq strictly increases per device; committed with the doc that carries it.
  const seq = bumpSeq(tx, deviceId);
  const plan = planPin({ device: deviceId, seq, now, ttlS: ctx.deploymentTtlS, statsIntervalS: ctx.statsIntervalS, target: targetRef, current, currentPrevious, servingCounters, rollout: target.rollout ?? null, shadow: shadowRef });
  const shadow = plan.shadow ? { model: plan.shadow.model, version: plan.shadow.version } : null;
  const envelope = ctx.signDoc(plan.doc);
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
  return { result: { device: deviceId, model: target.model, version: target.version, seq, shadow }, envelope };
}

/**
 * Assigns many devices at once (a rollout step, a rollback): one transaction, one signature and
 * one retained publish per device. Devices that do not exist are left out of the result; an
 * unknown version refuses the whole batch before anything is written.
 */
export async function assignDevices(ctx: AssignDeps, items: readonly DeviceAssignment[], actor: string): Promise<AssignResult[]> {
  if (items.length === 0) return [];
  for (const { target } of items) {
    requireRelease(ctx, target.model, target.version);
    if (target.shadow) requireRelease(ctx, target.shadow.model, target.shadow.version);
  }
  const results: AssignResult[] = [];
  for (let start = 0; start < items.length; start += ASSIGN_CHUNK) {
    // Between chunks the event loop breathes (broker traffic, HTTP): 10,000 devices in one
    // synchronous transaction would hold it for about two seconds.
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const now = ctx.now();
    const chunk = items.slice(start, start + ASSIGN_CHUNK);
    const done = ctx.db.transaction((tx) => chunk.flatMap((item) => assignInTx(ctx, tx, item.deviceId, item.target, actor, now) ?? []));
    // Handed to the broker in this same turn, in seq order, and not waited for: the assignment is
    // committed, and an external broker that is down would hold the reply for its whole outage.
    // Delivery follows: the broker client queues QoS 1 publishes, and every reconnect republishes
    // the retained cache from the database (republishRetained).
    for (const { result, envelope } of done) {
      ctx.broker.publish(desiredTopic(result.device), JSON.stringify(envelope), { retain: true }).catch((error: unknown) => {
        ctx.logger.warn('deployment doc not handed to the broker; it is republished on reconnect', { device: result.device, seq: result.seq, error: error instanceof Error ? error.message : String(error) });
      });
      results.push(result);
    }
  }
  const first = results[0];
  ctx.logger.info('devices assigned', { devices: results.length, ...(results.length === 1 && first ? { device: first.device, seq: first.seq } : {}), targets: [...new Set(items.map((i) => `${i.target.model}@${i.target.version}`))] });
  return results;
}

/** Pins one device (the assignment route, doc refresh); 404 for an unknown device or version, 409 for a decommissioned one. */
export async function assignDevice(ctx: AssignDeps, deviceId: string, target: AssignTarget, actor: string): Promise<AssignResult> {
  requireRelease(ctx, target.model, target.version);
  const decommissionedAt = getStoredReport(ctx.db, deviceId)?.decommissionedAt;
  if (decommissionedAt) throw conflict(`device ${deviceId} was decommissioned at ${decommissionedAt}`);
  const [result] = await assignDevices(ctx, [{ deviceId, target }], actor);
  if (!result) throw notFound(`device ${deviceId}`);
  return result;
}

/**
 * Rebuilds the broker's retained cache from the database: the trust doc and every deployment doc.
 * The embedded broker is seeded directly before it listens (no delivery: nobody can connect or
 * assign yet). An external broker gets them published, on start and on every reconnect, possibly
 * next to an assignment: each doc is re-read and handed to the broker in the same turn, so an
 * older doc never overwrites a newer retained one.
 */
export async function republishRetained(ctx: HubContext): Promise<number> {
  const trust = JSON.stringify(ctx.keys.trustEnvelope);
  if (ctx.broker.seedRetained) {
    const rows = listAssignmentDocs(ctx.db);
    ctx.broker.seedRetained([[TRUST_TOPIC, trust], ...rows.map((row) => [desiredTopic(row.deviceId), JSON.stringify(row.doc)] as const)]);
    return rows.length;
  }
  await ctx.broker.publish(TRUST_TOPIC, trust, { retain: true });
  const rows = listAssignmentTargets(ctx.db);
  for (const { deviceId } of rows) {
    // Read and handed to the broker in one turn: an assignment cannot slip in between.
    const row = getAssignment(ctx.db, deviceId);
    if (row) await ctx.broker.publish(desiredTopic(deviceId), JSON.stringify(row.doc), { retain: true });
  }
  return rows.length;
}

/**
 * Deployment docs expire (THREATS 6: freeze protection), so the hub re-issues the same desired
 * state with a new seq once half the lifetime has passed. A device that was offline for a week
 * then still finds a valid doc waiting for it. Docs stored before releases were named by
 * reference (inline manifests, 38-77 KB) are re-issued too, so they shrink after an upgrade.
 */
export async function refreshExpiringDocs(ctx: HubContext): Promise<number> {
  const horizon = ctx.now().getTime() + (ctx.deploymentTtlS * 1000) / 2;
  const due: DeviceAssignment[] = [];
  for (const row of listAssignments(ctx.db)) {
    const stored = storedDoc(row.doc);
    if (stored && Date.parse(stored.expires) > horizon && isReleaseRef(stored.active)) continue;
    // The same desired state again: the same rollout step and the same shadow.
    const shadow = row.shadowModel !== null && row.shadowVersion !== null ? { model: row.shadowModel, version: row.shadowVersion } : null;
    due.push({ deviceId: row.deviceId, target: { model: row.model, version: row.version, ...(stored?.rollout ? { rollout: stored.rollout } : {}), shadow } });
  }
  try {
    return (await assignDevices(ctx, due, 'hub:refresh')).length;
  } catch (error) {
    ctx.logger.error('could not refresh the deployment docs', { devices: due.length, error: error instanceof Error ? error.message : String(error) });
    return 0;
  }
}
