/**
 * Pinning devices to releases: bump and commit each device's seq, sign its deployment doc, store
 * it, then hand it to the broker retained, without waiting for delivery (the reply follows the
 * commit; issue 12). Retained messages are a cache of the database, rebuilt by
 * `republishRetained` on every start and external-broker reconnect (ARCHITECTURE rule 7).
 *
 * Devices are assigned in chunks, one transaction each, with the chunk's device rows locked first
 * (in id order): another replica assigning or decommissioning the same devices waits, so what a
 * doc says it replaces is what was stored, and the stored assignment always carries the device's
 * latest seq. The chunk's devices are read in two statements, then each costs three writes (seq,
 * assignment, audit); the signer is synchronous. The releases a doc names are looked up before
 * the transaction (they never change once registered), so it waits on nothing but its own
 * statements.
 *
 * Docs of one device reach the broker in seq order as far as this process can tell: it never
 * hands the broker a doc older than one it handed over already (`handOver`), so a slow
 * republish or an earlier assignment finishing late cannot leave an older doc retained.
 */
import { MAX_RELEASE_MANIFEST_BYTES, TRUST_TOPIC, desiredTopic, isReleaseRef, type DeploymentDoc, type Envelope } from '@edgefleet/protocol';
import { conflict, notFound } from '../../core/errors';
import { refuseOversizedDoc, refuseOversizedManifest } from '../../core/doc-size';
import { planPin, storedDoc, type ReleaseRef } from '../../core/deployment-doc';
import { getAssignment, getAssignmentTargets, listAssignmentDocs, listAssignmentTargets, listAssignments, upsertAssignment, type AssignmentTarget } from '../../adapters/db/assignments';
import { writeAudit } from '../../adapters/db/audit';
import { bumpSeq, getStoredReport, getStoredReports, lockDevices } from '../../adapters/db/devices';
import { summarizeReport } from '../../core/reported-state';
import type { HubContext } from '../context';
import { refuseArchivedOrDeleted, refuseDeletedTargets } from '../lifecycle/versions';
import { handOverTrust, retainedTrust } from '../trust/follow-up';

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
  /**
   * Ramp-up (ROLLOUTS "Ramp-up"): the share of requests (0 < share < 1) the shadow answers
   * instead of the target; only with a shadow. Absent or null: the shadow only runs beside.
   */
  trafficShare?: number | null;
}

export interface DeviceAssignment {
  deviceId: string;
  target: AssignTarget;
}

/** What a stored assignment asks for, to issue it again (a new seq, a fresh expiry, another key). */
export function sameDesiredState(row: { model: string; version: string; shadowModel: string | null; shadowVersion: string | null }, stored: DeploymentDoc | null): AssignTarget {
  const shadow = row.shadowModel !== null && row.shadowVersion !== null ? { model: row.shadowModel, version: row.shadowVersion } : null;
  return { model: row.model, version: row.version, ...(stored?.rollout ? { rollout: stored.rollout } : {}), shadow, ...(shadow && stored?.trafficShare !== undefined ? { trafficShare: stored.trafficShare } : {}) };
}

/** Devices per transaction when assigning many. */
const ASSIGN_CHUNK = 500;

type AssignDeps = Pick<HubContext, 'db' | 'releases' | 'signDoc' | 'broker' | 'logger' | 'now' | 'deploymentTtlS' | 'statsIntervalS'>;

/** Releases by `model@version`, looked up before a transaction (null: not registered). */
type KnownReleases = Map<string, ReleaseRef | null>;

const releaseKey = (model: string, version: string): string => `${model}@${version}`;

/** The release a doc may name: 404 when there is none, 422 E_DOC_TOO_LARGE when devices would refuse its manifest. */
export async function requireRelease(ctx: Pick<HubContext, 'releases'>, model: string, version: string): Promise<ReleaseRef> {
  const release = await ctx.releases.get(model, version);
  if (!release) throw notFound(`model version ${model}@${version}`);
  // A version registered before the limit: a doc naming it would be refused by every device.
  refuseOversizedManifest(release, release.ref.size);
  return release;
}

/** The (model, version) pairs assigning a device needs to know, beyond its target and shadow. */
function releasesNamedBy(facts: DeviceFacts): Array<[string | null, string | null]> {
  const reported = facts.stored ? (summarizeReport(facts.stored.state)?.active ?? null) : null;
  return [
    [facts.assignment?.model ?? null, facts.assignment?.version ?? null],
    [facts.assignment?.previousModel ?? null, facts.assignment?.previousVersion ?? null],
    [reported?.model ?? null, reported?.version ?? null],
  ];
}

/**
 * Looks up every release in `pairs` not in `known` yet. Done outside transactions: the lookup
 * may read the database on its own connection (services/models/release-manifests.ts).
 */
async function learnReleases(ctx: Pick<HubContext, 'releases'>, known: KnownReleases, pairs: Iterable<[string | null, string | null]>): Promise<void> {
  for (const [model, version] of pairs) {
    if (model === null || version === null || known.has(releaseKey(model, version))) continue;
    known.set(releaseKey(model, version), (await ctx.releases.get(model, version)) ?? null);
  }
}

/**
 * The highest seq of each device this process handed to a broker (per broker: a test may run
 * several hubs in one process). Entries are a few dozen bytes, one per assigned device.
 */
const handedOver = new WeakMap<object, Map<string, number>>();

/**
 * Hands a device's doc to the broker retained, unless a newer one (higher seq) went already: the
 * older one would replace it in the broker's retained cache. The same seq again is handed over
 * (a republish after the broker lost its retained messages).
 */
function handOver(ctx: Pick<HubContext, 'broker'>, deviceId: string, seq: number, payload: string): Promise<void> | null {
  let seqs = handedOver.get(ctx.broker);
  if (!seqs) {
    seqs = new Map();
    handedOver.set(ctx.broker, seqs);
  }
  const newest = seqs.get(deviceId);
  if (newest !== undefined && newest > seq) return null;
  seqs.set(deviceId, seq);
  return ctx.broker.publish(desiredTopic(deviceId), payload, { retain: true });
}

interface Assigned {
  result: AssignResult;
  envelope: Envelope;
  /** the assignment as stored, without its doc */
  stored: AssignmentTarget;
}

/** What assigning a device reads of it, read for a whole chunk at once. */
interface DeviceFacts {
  stored: { state: unknown; decommissionedAt: string | null } | undefined;
  assignment: AssignmentTarget | undefined;
}

/**
 * One device's doc, signed and stored in the caller's transaction (which holds the device's row
 * lock); null when the device does not exist or was decommissioned. Every release the facts name
 * is in `known` already.
 */
async function assignInTx(ctx: AssignDeps, tx: HubContext['db'], deviceId: string, facts: DeviceFacts, known: KnownReleases, target: AssignTarget, actor: string, now: Date): Promise<Assigned | null> {
  const { stored: report, assignment } = facts;
  if (report === undefined || report.decommissionedAt !== null) return null;
  const releaseOf = (model: string | null, version: string | null): ReleaseRef | null => (model === null || version === null ? null : (known.get(releaseKey(model, version)) ?? null));
  const reported = summarizeReport(report.state)?.active ?? null;
  const targetRef = releaseOf(target.model, target.version);
  if (!targetRef) throw notFound(`model version ${target.model}@${target.version}`);
  const shadowRef = target.shadow ? releaseOf(target.shadow.model, target.shadow.version) : null;
  if (target.shadow && !shadowRef) throw notFound(`model version ${target.shadow.model}@${target.shadow.version}`);
  const trafficShare = shadowRef && target.trafficShare != null ? target.trafficShare : null;
  const current = assignment ? releaseOf(assignment.model, assignment.version) : null;
  const currentPrevious = assignment ? releaseOf(assignment.previousModel, assignment.previousVersion) : null;
  const reportedRef = reported ? releaseOf(reported.model, reported.version) : null;
  // What the device may be serving: its last report, its current doc, and the doc before it (a
  // device acts on the newest retained doc, so it may have skipped the current one and still
  // serve the previous pin while its report is older still).
  const servingCounters = [current, currentPrevious, reportedRef].filter((ref) => ref !== null && ref.model === target.model).map((ref) => ref?.releaseCounter ?? 0);

  // PROTOCOL: seq strictly increases per device; committed with the doc that carries it.
  const seq = await bumpSeq(tx, deviceId);
  const plan = planPin({ device: deviceId, seq, now, ttlS: ctx.deploymentTtlS, statsIntervalS: ctx.statsIntervalS, target: targetRef, current, currentPrevious, servingCounters, rollout: target.rollout ?? null, shadow: shadowRef, trafficShare });
  const shadow = plan.shadow ? { model: plan.shadow.model, version: plan.shadow.version } : null;
  const envelope = ctx.signDoc(plan.doc);
  // Docs name releases by reference and stay near 1 KB; checked all the same, before it is stored.
  refuseOversizedDoc(deviceId, JSON.stringify(envelope).length);
  const stored: AssignmentTarget = {
    deviceId,
    model: target.model,
    version: target.version,
    seq,
    previousModel: plan.previous?.model ?? null,
    previousVersion: plan.previous?.version ?? null,
    assignedAt: now.toISOString(),
    shadowModel: shadow?.model ?? null,
    shadowVersion: shadow?.version ?? null,
  };
  await upsertAssignment(tx, { ...stored, doc: envelope });
  await writeAudit(tx, {
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
      ...(trafficShare !== null ? { trafficShare } : {}),
    },
  });
  return { result: { device: deviceId, model: target.model, version: target.version, seq, shadow }, envelope, stored };
}

/**
 * One chunk in one transaction: its device rows locked, read, and each device assigned. Returns
 * the releases it would need but were not in `known` (the rows changed since they were looked
 * up) without writing anything: the caller looks them up and runs the chunk again.
 */
async function assignChunk(ctx: AssignDeps, chunk: readonly DeviceAssignment[], known: KnownReleases, actor: string, now: Date): Promise<{ assigned: Assigned[] } | { unknown: Array<[string, string]> }> {
  const ids = [...new Set(chunk.map((item) => item.deviceId))];
  return ctx.db.transaction(async (tx) => {
    // Locked before anything is read: a replica assigning or decommissioning the same devices
    // waits for this commit, then reads what it stored.
    await lockDevices(tx, ids);
    // A target deleted since its release was looked up (here or on another replica) is refused under its row lock.
    await refuseDeletedTargets(tx, chunk.map((item) => item.target));
    const reports = await getStoredReports(tx, ids);
    const targets = await getAssignmentTargets(tx, ids);
    const unknown: Array<[string, string]> = [];
    for (const id of ids) {
      for (const [model, version] of releasesNamedBy({ stored: reports.get(id), assignment: targets.get(id) })) {
        if (model !== null && version !== null && !known.has(releaseKey(model, version))) unknown.push([model, version]);
      }
    }
    if (unknown.length > 0) return { unknown };
    const assigned: Assigned[] = [];
    for (const item of chunk) {
      const one = await assignInTx(ctx, tx, item.deviceId, { stored: reports.get(item.deviceId), assignment: targets.get(item.deviceId) }, known, item.target, actor, now);
      if (!one) continue;
      assigned.push(one);
      // A device twice in one chunk: its second assignment follows from the first.
      targets.set(item.deviceId, one.stored);
    }
    return { assigned };
  });
}

/**
 * Assigns many devices at once (a rollout step, a rollback): one transaction per chunk, one
 * signature and one retained publish per device. Devices that do not exist are left out of the
 * result; an unknown version refuses the whole batch before anything is written.
 */
export async function assignDevices(ctx: AssignDeps, items: readonly DeviceAssignment[], actor: string): Promise<AssignResult[]> {
  if (items.length === 0) return [];
  const known: KnownReleases = new Map();
  for (const { target } of items) {
    for (const { model, version } of target.shadow ? [target, target.shadow] : [target]) {
      if (!known.has(releaseKey(model, version))) known.set(releaseKey(model, version), await requireRelease(ctx, model, version));
    }
  }
  const results: AssignResult[] = [];
  for (let start = 0; start < items.length; start += ASSIGN_CHUNK) {
    // Between chunks the event loop breathes (broker traffic, HTTP), and other writers get the
    // database: 10,000 devices in one transaction would hold both for seconds.
    if (start > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const chunk = items.slice(start, start + ASSIGN_CHUNK);
    // The releases the chunk's devices name, looked up before its transaction (usually cached).
    const ids = [...new Set(chunk.map((item) => item.deviceId))];
    const [reports, targets] = [await getStoredReports(ctx.db, ids), await getAssignmentTargets(ctx.db, ids)];
    await learnReleases(ctx, known, ids.flatMap((id) => releasesNamedBy({ stored: reports.get(id), assignment: targets.get(id) })));
    let outcome = await assignChunk(ctx, chunk, known, actor, ctx.now());
    while ('unknown' in outcome) {
      await learnReleases(ctx, known, outcome.unknown);
      outcome = await assignChunk(ctx, chunk, known, actor, ctx.now());
    }
    // Handed to the broker once committed, in seq order, and not waited for: the assignment is
    // committed, and an external broker that is down would hold the reply for its whole outage.
    // Delivery follows: the broker client queues QoS 1 publishes, and every reconnect republishes
    // the retained cache from the database (republishRetained).
    for (const { result, envelope } of outcome.assigned) {
      handOver(ctx, result.device, result.seq, JSON.stringify(envelope))?.catch((error: unknown) => {
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
  // A manual pin is new use: an archived version (or shadow) is refused (409 E_ARCHIVED).
  for (const wanted of target.shadow ? [target, target.shadow] : [target]) await refuseArchivedOrDeleted(ctx, wanted.model, wanted.version);
  await requireRelease(ctx, target.model, target.version);
  const decommissionedAt = (await getStoredReport(ctx.db, deviceId))?.decommissionedAt;
  if (decommissionedAt) throw conflict(`device ${deviceId} was decommissioned at ${decommissionedAt}`);
  const [result] = await assignDevices(ctx, [{ deviceId, target }], actor);
  if (!result) throw notFound(`device ${deviceId}`);
  return result;
}

/**
 * Rebuilds the broker's retained cache from the database: the trust doc and every deployment doc.
 * The embedded broker is seeded directly before it listens (no delivery: nobody can connect or
 * assign yet). An external broker gets them published, on start and on every reconnect, possibly
 * next to an assignment: each doc is re-read just before it is handed over, and one older than a
 * doc this process already handed over is skipped (`handOver`), so an older doc never overwrites
 * a newer retained one.
 */
export async function republishRetained(ctx: Pick<HubContext, 'db' | 'broker' | 'keys'>): Promise<number> {
  // The newest trust version, after a look for one another replica published (services/trust).
  const trust = await retainedTrust(ctx);
  if (ctx.broker.seedRetained) {
    const rows = await listAssignmentDocs(ctx.db);
    ctx.broker.seedRetained([[TRUST_TOPIC, trust], ...rows.map((row) => [desiredTopic(row.deviceId), JSON.stringify(row.doc)] as const)]);
    return rows.length;
  }
  await handOverTrust(ctx);
  const rows = await listAssignmentTargets(ctx.db);
  for (const { deviceId } of rows) {
    const row = await getAssignment(ctx.db, deviceId);
    if (row) await handOver(ctx, deviceId, row.seq, JSON.stringify(row.doc));
  }
  return rows.length;
}

/**
 * Deployment docs expire (THREATS 6: freeze protection), so the hub re-issues the same desired
 * state with a new seq once half the lifetime has passed. A device that was offline for a week
 * then still finds a valid doc waiting for it. Docs stored before releases were named by
 * reference (inline manifests, 38-77 KB) are re-issued too, so they shrink after an upgrade.
 */
export async function refreshExpiringDocs(ctx: AssignDeps): Promise<number> {
  const horizon = ctx.now().getTime() + (ctx.deploymentTtlS * 1000) / 2;
  const due: DeviceAssignment[] = [];
  for (const row of await listAssignments(ctx.db)) {
    const stored = storedDoc(row.doc);
    if (stored && Date.parse(stored.expires) > horizon && isReleaseRef(stored.active)) continue;
    // The same desired state again: the same rollout step, the same shadow and traffic share.
    due.push({ deviceId: row.deviceId, target: sameDesiredState(row, stored) });
  }
  // A release too large for devices (registered before the limit) would refuse the whole batch: left out, said.
  const tooLarge = async ({ model, version }: { model: string; version: string }): Promise<boolean> => ((await ctx.releases.get(model, version))?.ref.size ?? 0) > MAX_RELEASE_MANIFEST_BYTES;
  const deliverable: DeviceAssignment[] = [];
  const skipped: DeviceAssignment[] = [];
  for (const item of due) ((await tooLarge(item.target)) || (item.target.shadow && (await tooLarge(item.target.shadow))) ? skipped : deliverable).push(item);
  if (skipped.length > 0) {
    const releases = [...new Set(skipped.map(({ target }) => releaseKey(target.model, target.version)))];
    ctx.logger.warn('deployment docs not refreshed: a release they name is larger than devices accept (E_DOC_TOO_LARGE); assign another version', { devices: skipped.length, releases });
  }
  try {
    return (await assignDevices(ctx, deliverable, 'hub:refresh')).length;
  } catch (error) {
    ctx.logger.error('could not refresh the deployment docs', { devices: deliverable.length, error: error instanceof Error ? error.message : String(error) });
    return 0;
  }
}
