/**
 * What a controller pass observes besides the rollout itself: the fleet, the gate's statistics,
 * the devices reporting on the new version, and the rollback targets superseded rollouts left.
 * A pass reads them in the transaction that holds the rollout's lock (rollouts.ts), so `db` here
 * is that transaction.
 */
import type { StatsWindow } from '@edgefleet/protocol';
import type { Db } from '../../adapters/db/db';
import { listFleetRows } from '../../adapters/db/devices';
import type { Logger } from '../../adapters/logger';
import { getVersion } from '../../adapters/db/models';
import { getRollout, listMembers, type RolloutRow } from '../../adapters/db/rollouts';
import { devicesReportingSince, listStatsBuckets } from '../../adapters/db/stats';
import { summarizeReport } from '../../core/reported-state';
import { countMembers, type DeviceView, type ModelVersion, type RolloutMember, type RolloutStatus } from '../../core/rollouts/controller';
import { evaluateGate, type GateReport } from '../../core/rollouts/gates';
import { trafficShareOf, type RolloutPlan } from '../../core/rollouts/plan';
import { shadowAgreement } from '../statistics/shadow-stats';
import { hourOf } from '../statistics/stats-ingest';
import { referenceOf, sumBuckets } from '../statistics/stats-view';

/** The fleet as the controller sees it: ring, tags, presence, assignment and the last report. */
export async function fleetView(db: Db): Promise<DeviceView[]> {
  return (await listFleetRows(db)).map((d) => ({
    id: d.id,
    ring: d.ring,
    tags: d.tags,
    online: d.online,
    assignment: d.assignedModel !== null && d.assignedVersion !== null && d.assignedSeq !== null ? { model: d.assignedModel, version: d.assignedVersion, seq: d.assignedSeq } : null,
    reported: summarizeReport(d.reported),
  }));
}

/**
 * Statistics are kept per device-hour, so a gate sees the buckets of the hours since the rollout
 * began, minus those no window has touched since it began: data of an earlier rollout of the same
 * version is left out unless a device of this one also reported in that hour (a bounded blur of
 * at most an hour that the merge-by-addition store cannot separate).
 */
async function mergeBuckets(db: Db, logger: Logger, model: string, version: string, since: string, to: string, devices?: readonly string[]): Promise<StatsWindow | null> {
  if (devices && devices.length === 0) return null;
  const rows = (await listStatsBuckets(db, { model, version, fromHour: hourOf(since), to, ...(devices ? { devices } : {}) })).filter((row) => row.updatedAt >= since);
  return sumBuckets(logger, rows).merged;
}

function mostCommon(values: readonly string[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  for (const [v, n] of counts) if (best === null || n > (counts.get(best) ?? 0)) best = v;
  return best;
}

/** The gate's inputs: install counts from the members, the new version's statistics on them, the old version's elsewhere. */
export async function gateReport(db: Db, logger: Logger, now: Date, row: RolloutRow, plan: RolloutPlan, status: RolloutStatus, members: readonly RolloutMember[]): Promise<GateReport | null> {
  const step = plan.steps[status.step];
  // Only a running rollout's gate decides anything. Once it halted or was rolled back, paused,
  // aborted or superseded, the stored report stays the one it stopped on: re-evaluated over
  // reverting members it would read "install-success inconclusive" beside a halt for a failure.
  if (step?.kind !== 'gate' || status.state !== 'running') return null;
  const counts = countMembers(members);
  const errors: Record<string, number> = {};
  for (const m of members) if (m.status === 'failed' && m.error) errors[m.error] = (errors[m.error] ?? 0) + 1;
  const to = new Date(now.getTime() + 3_600_000).toISOString();
  const candidate = await mergeBuckets(db, logger, row.model, row.version, row.createdAt, to, members.map((m) => m.deviceId));
  // The control: the version most members came from, same window: on the ramp-up members, which
  // serve it beside the new version (same devices, requests split at random or by key), else on
  // every device still running it.
  const previous = mostCommon(members.map((m) => m.previous?.version).filter((v): v is string => v !== undefined));
  const ramp = members.filter((m) => m.mode === 'shadow' && m.status !== 'detached' && trafficShareOf(plan, m.step) !== undefined).map((m) => m.deviceId);
  const control = previous ? await mergeBuckets(db, logger, row.model, previous, row.createdAt, to, ramp.length > 0 ? ramp : undefined) : null;
  const previousVersion = previous ? await getVersion(db, row.model, previous) : undefined;
  const version = await getVersion(db, row.model, row.version);
  return evaluateGate(step, {
    install: { total: counts.total, serving: counts.serving, failed: counts.failed, timedOut: counts.timedOut, errors },
    candidate,
    control,
    reference: version ? referenceOf(version.manifest) : null,
    controlReference: previousVersion ? referenceOf(previousVersion.manifest) : null,
    // Devices that run the candidate as a shadow (not serving it yet) tell how often it agrees with the serving model.
    shadow: await shadowAgreement({ db }, { model: row.model, version: row.version, fromHour: hourOf(row.createdAt), to }),
  });
}

/**
 * What the rollouts this one superseded (following `supersedes` while they target the same
 * version) recorded as their members' rollback targets: the devices they moved are on this
 * rollout's version already, and only these rows still know what they ran before. Nearest first.
 * Superseded rollouts no longer change their members' rollback targets, so they are read unlocked.
 */
export async function inheritedTargets(db: Db, row: RolloutRow): Promise<Map<string, ModelVersion>> {
  const out = new Map<string, ModelVersion>();
  const seen = new Set<string>([row.id]);
  for (let id = row.supersedes; id !== null && !seen.has(id); ) {
    seen.add(id);
    const old = await getRollout(db, id);
    if (!old || old.model !== row.model || old.version !== row.version) break;
    for (const m of await listMembers(db, id)) if (!out.has(m.deviceId) && m.previousModel !== null && m.previousVersion !== null) out.set(m.deviceId, { model: m.previousModel, version: m.previousVersion });
    id = old.supersedes;
  }
  return out;
}

/**
 * Devices of the rollout that sent statistics on the new version since the step began (bake's
 * minReporting); counted only while a bake step lies ahead (a query over every member per pass).
 */
export async function reportingDevices(db: Db, row: RolloutRow, plan: RolloutPlan, status: RolloutStatus, members: readonly RolloutMember[]): Promise<number> {
  if (status.state !== 'running' || !plan.steps.slice(status.step).some((step) => step.kind === 'bake')) return 0;
  return (await devicesReportingSince(db, row.model, row.version, status.stepStartedAt, members.map((m) => m.deviceId))).size;
}
