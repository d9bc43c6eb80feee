/**
 * Rollouts as a service around the pure controller (core/rollouts): load the rollout, its
 * members, the fleet and the observations; reconcile; persist status, members, audit rows and
 * notifications in one transaction; then issue the deployment docs it asked for. Runs on the
 * `rollout-controller` cron tick, right after device state reports, and on every manual action,
 * one rollout at a time (per-rollout lock), so it is safe after a restart or when run twice.
 */
import { randomUUID } from 'node:crypto';
import type { StatsWindow } from '@edgefleet/protocol';
import { writeAudit } from '../../adapters/db/audit';
import { listDevices, listFleetRows } from '../../adapters/db/devices';
import { getVersion } from '../../adapters/db/models';
import type { Db } from '../../adapters/db/open';
import { getRollout, listMembers, listRings, listRollouts, rolloutsInStates, rolloutsOfModel, updateRollout, insertRollout, upsertMember, type RolloutMemberRow, type RolloutRow } from '../../adapters/db/rollouts';
import { devicesReportingSince, listStatsBuckets } from '../../adapters/db/stats';
import { conflict, notFound, validation } from '../../core/errors';
import { summarizeReport } from '../../core/reported-state';
import { applyAction, type RolloutAction } from '../../core/rollouts/actions';
import { ACTIVE_STATES, countMembers, reconcile, type Assignment, type ControllerEvent, type DeviceView, type MemberStatus, type ModelVersion, type RolloutMember, type RolloutState, type RolloutStatus } from '../../core/rollouts/controller';
import { evaluateGate, type GateReport } from '../../core/rollouts/gates';
import { defaultPlan, planProblems, rolloutPlanSchema, type RolloutPlan } from '../../core/rollouts/plan';
import type { HubContext } from '../context';
import { assignDevices, type AssignResult } from '../devices/deployments';
import { kickDelivery, queueNotification, type NotificationKind } from '../drift/notifications';
import { hourOf } from '../statistics/stats-ingest';
import { shadowAgreement } from '../statistics/shadow-stats';
import { referenceOf, sumBuckets } from '../statistics/stats-view';

const CONTROLLER = 'rollout-controller';
const NOTIFY_KINDS: Record<string, NotificationKind> = { 'rollout.halted': 'rollout.halted', 'rollout.rolled-back': 'rollout.rolled-back', 'rollout.aborted': 'rollout.aborted', 'rollout.superseded': 'rollout.superseded' };

const planOf = (row: RolloutRow): RolloutPlan => rolloutPlanSchema.parse(row.plan);
const statusOf = (row: RolloutRow): RolloutStatus => ({
  state: row.state as RolloutState,
  step: row.step,
  stepStartedAt: row.stepStartedAt,
  advance: row.advance,
  halt: (row.halt as RolloutStatus['halt']) ?? null,
  reverted: row.reverted,
});
const memberOf = (row: RolloutMemberRow): RolloutMember => ({
  deviceId: row.deviceId,
  step: row.step,
  mode: row.mode === 'shadow' ? 'shadow' : 'active',
  previous: row.previousModel !== null && row.previousVersion !== null ? { model: row.previousModel, version: row.previousVersion } : null,
  assignedSeq: row.assignedSeq,
  assignedAt: row.assignedAt,
  status: row.status as MemberStatus,
  error: row.error,
});
const memberRow = (rolloutId: string, m: RolloutMember): RolloutMemberRow => ({
  rolloutId,
  deviceId: m.deviceId,
  step: m.step,
  mode: m.mode,
  previousModel: m.previous?.model ?? null,
  previousVersion: m.previous?.version ?? null,
  assignedSeq: m.assignedSeq,
  assignedAt: m.assignedAt,
  status: m.status,
  error: m.error,
});

/** The fleet as the controller sees it: ring, tags, presence, assignment and the last report. */
function fleetView(db: Db): DeviceView[] {
  return listFleetRows(db).map((d) => ({
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
function mergeBuckets(ctx: HubContext, model: string, version: string, since: string, to: string, devices?: readonly string[]): { merged: StatsWindow | null; devices: Set<string> } {
  if (devices && devices.length === 0) return { merged: null, devices: new Set() };
  const rows = listStatsBuckets(ctx.db, { model, version, fromHour: hourOf(since), to, ...(devices ? { devices } : {}) }).filter((row) => row.updatedAt >= since);
  return sumBuckets(ctx.logger, rows);
}

/** The gate's inputs: install counts from the members, the new version's statistics on them, the old version's elsewhere. */
function gateReport(ctx: HubContext, row: RolloutRow, plan: RolloutPlan, status: RolloutStatus, members: readonly RolloutMember[]): GateReport | null {
  const step = plan.steps[status.step];
  // Only a running rollout's gate decides anything. Once it halted or was rolled back, paused,
  // aborted or superseded, the stored report stays the one it stopped on: re-evaluated over
  // reverting members it would read "install-success inconclusive" beside a halt for a failure.
  if (step?.kind !== 'gate' || status.state !== 'running') return null;
  const counts = countMembers(members);
  const errors: Record<string, number> = {};
  for (const m of members) if (m.status === 'failed' && m.error) errors[m.error] = (errors[m.error] ?? 0) + 1;
  const to = new Date(ctx.now().getTime() + 3_600_000).toISOString();
  const candidate = mergeBuckets(ctx, row.model, row.version, row.createdAt, to, members.map((m) => m.deviceId)).merged;
  // The control: the version most members came from, on every device still running it, same window.
  const previous = mostCommon(members.map((m) => m.previous?.version).filter((v): v is string => v !== undefined));
  const control = previous ? mergeBuckets(ctx, row.model, previous, row.createdAt, to).merged : null;
  const previousVersion = previous ? getVersion(ctx.db, row.model, previous) : undefined;
  const version = getVersion(ctx.db, row.model, row.version);
  return evaluateGate(step, {
    install: { total: counts.total, serving: counts.serving, failed: counts.failed, timedOut: counts.timedOut, errors },
    candidate,
    control,
    reference: version ? referenceOf(version.manifest) : null,
    controlReference: previousVersion ? referenceOf(previousVersion.manifest) : null,
    // Devices that run the candidate as a shadow (not serving it yet) tell how often it agrees with the serving model.
    shadow: shadowAgreement(ctx, { model: row.model, version: row.version, fromHour: hourOf(row.createdAt), to }),
  });
}

function mostCommon(values: readonly string[]): string | null {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  for (const [v, n] of counts) if (best === null || n > (counts.get(best) ?? 0)) best = v;
  return best;
}

/**
 * What the rollouts this one superseded (following `supersedes` while they target the same
 * version) recorded as their members' rollback targets: the devices they moved are on this
 * rollout's version already, and only these rows still know what they ran before. Nearest first.
 */
function inheritedTargets(db: Db, row: RolloutRow): Map<string, ModelVersion> {
  const out = new Map<string, ModelVersion>();
  const seen = new Set<string>([row.id]);
  for (let id = row.supersedes; id !== null && !seen.has(id); ) {
    seen.add(id);
    const old = getRollout(db, id);
    if (!old || old.model !== row.model || old.version !== row.version) break;
    for (const m of listMembers(db, id)) if (!out.has(m.deviceId) && m.previousModel !== null && m.previousVersion !== null) out.set(m.deviceId, { model: m.previousModel, version: m.previousVersion });
    id = old.supersedes;
  }
  return out;
}

/**
 * Devices of the rollout that sent statistics on the new version since the step began (bake's
 * minReporting); counted only while a bake step lies ahead (a query over every member per pass).
 */
function reportingDevices(ctx: HubContext, row: RolloutRow, plan: RolloutPlan, status: RolloutStatus, members: readonly RolloutMember[]): number {
  if (status.state !== 'running' || !plan.steps.slice(status.step).some((step) => step.kind === 'bake')) return 0;
  return devicesReportingSince(ctx.db, row.model, row.version, status.stepStartedAt, members.map((m) => m.deviceId)).size;
}

function record(ctx: HubContext, tx: Db, row: RolloutRow, events: readonly ControllerEvent[], actor: string, at: Date): void {
  for (const event of events) {
    writeAudit(tx, { at, actor, action: event.action, subject: `rollout:${row.id}`, details: { model: row.model, version: row.version, ...event.details } });
    const kind = NOTIFY_KINDS[event.action];
    if (event.notify && kind) queueNotification(tx, ctx.alerting.webhook, at, kind, { rollout: row.id, model: row.model, version: row.version, actor, ...event.details });
  }
}

/** Issues the docs the controller asked for (one batch) and remembers their seq on the member rows. */
async function issue(ctx: HubContext, row: RolloutRow, step: number, assignments: readonly Assignment[], actor: string): Promise<void> {
  if (assignments.length === 0) return;
  let results: AssignResult[];
  try {
    results = await assignDevices(ctx, assignments.map((a) => ({ deviceId: a.deviceId, target: { model: a.model, version: a.version, rollout: { id: row.id, step }, shadow: a.shadow ?? null } })), actor);
  } catch (error) {
    ctx.logger.error('rollout could not assign its devices', { rollout: row.id, devices: assignments.length, error: error instanceof Error ? error.message : String(error) });
    return;
  }
  const forRollout = new Set(assignments.filter((a) => a.reason === 'rollout').map((a) => a.deviceId));
  const members = new Map(listMembers(ctx.db, row.id).map((m) => [m.deviceId, m]));
  const assignedAt = ctx.now().toISOString();
  ctx.db.transaction((tx) => {
    for (const result of results) {
      const member = members.get(result.device);
      if (member && forRollout.has(result.device)) upsertMember(tx, { ...member, assignedSeq: result.seq, assignedAt });
    }
  });
}

// Every field of a member; the compiler refuses this list when RolloutMember gains one.
const MEMBER_FIELDS = Object.keys({ deviceId: true, step: true, mode: true, previous: true, assignedSeq: true, assignedAt: true, status: true, error: true } satisfies Record<keyof RolloutMember, true>) as Array<keyof RolloutMember>;

/** Field by field: serialising 10,000 members twice per pass was a tenth of a storm's hub CPU. */
function sameMember(a: RolloutMember | undefined, b: RolloutMember): boolean {
  if (!a) return false;
  return MEMBER_FIELDS.every((field) => (field === 'previous' ? a.previous?.model === b.previous?.model && a.previous?.version === b.previous?.version : a[field] === b[field]));
}

/** One controller pass over one rollout. */
export function reconcileRollout(ctx: HubContext, id: string, actor = `job:${CONTROLLER}`): Promise<void> {
  return ctx.locks.rollouts.run(id, async () => {
    const row = getRollout(ctx.db, id);
    if (!row) return;
    const plan = planOf(row);
    const status = statusOf(row);
    const members = listMembers(ctx.db, id).map(memberOf);
    const now = ctx.now();
    const gate = gateReport(ctx, row, plan, status, members);
    const result = reconcile({ id, model: row.model, version: row.version, plan }, status, members, { devices: fleetView(ctx.db), gate, reportingDevices: reportingDevices(ctx, row, plan, status, members), inherited: inheritedTargets(ctx.db, row), now });
    // A quiet tick changes nothing: only what moved is written (a tick covers every device of every rollout).
    const before = new Map(members.map((m) => [m.deviceId, m]));
    const changed = result.members.filter((m) => !sameMember(before.get(m.deviceId), m));
    const statusChanged = gate !== null || JSON.stringify(result.status) !== JSON.stringify(status);
    if (changed.length > 0 || statusChanged || result.events.length > 0) {
      ctx.db.transaction((tx) => {
        updateRollout(tx, id, { state: result.status.state, step: result.status.step, stepStartedAt: result.status.stepStartedAt, advance: result.status.advance, halt: result.status.halt, reverted: result.status.reverted, gate: gate ?? row.gate, updatedAt: now.toISOString() });
        for (const m of changed) upsertMember(tx, memberRow(id, m));
        record(ctx, tx, row, result.events, actor, now);
      });
    }
    if (result.events.some((e) => e.notify)) kickDelivery(ctx);
    await issue(ctx, row, result.status.step, result.assignments, `rollout:${id}`);
  });
}

/** Every rollout that can still act: running, paused, halted, and the newest completed one per model (late enrolments). */
export async function reconcileAllRollouts(ctx: HubContext): Promise<{ rollouts: number }> {
  const rows = rolloutsInStates(ctx.db, [...ACTIVE_STATES, 'completed', 'rolled-back', 'aborted']).filter((r) => r.supersededBy === null);
  // Reverted rollouts keep being reconciled only while their devices are still converging back.
  const live = rows.filter((r) => r.state !== 'rolled-back' && r.state !== 'aborted' ? true : listMembers(ctx.db, r.id).some((m) => m.status === 'reverting'));
  for (const row of live) await reconcileRollout(ctx, row.id);
  return { rollouts: live.length };
}

const pending = new WeakSet<HubContext>();
const lastPassMs = new WeakMap<HubContext, number>();
/**
 * A device reported: let the controller look soon (coalesced), instead of waiting for its tick.
 * A pass reads the whole fleet (some 100 ms at 10,000 devices), so during a rollout's flood of
 * reports it starts at most every 100 ms, and waits three times as long as its last pass took.
 */
export function requestReconcile(ctx: HubContext): void {
  if (pending.has(ctx) || !ctx.jobs.has(CONTROLLER)) return;
  pending.add(ctx);
  setTimeout(
    () => {
      // Reports arriving during this pass ask for the next one.
      pending.delete(ctx);
      void ctx.jobs.runNow(CONTROLLER).then((run) => void lastPassMs.set(ctx, run.durationMs));
    },
    Math.max(100, 3 * (lastPassMs.get(ctx) ?? 0)),
  ).unref();
}

export interface CreateRolloutInput {
  model: string;
  version: string;
  /** as the user wrote it (a RolloutPlanInput); validated here, every problem named */
  plan?: unknown;
  /** replace the model's active rollout (it is marked superseded, audited) */
  supersede?: boolean;
}

function ringNames(db: Db): string[] {
  const named = listRings(db).map((r) => r.name);
  const used = [...new Set(listDevices(db).map((d) => d.ring))].sort();
  return [...named, ...used.filter((r) => !named.includes(r))];
}

export async function createRollout(ctx: HubContext, input: CreateRolloutInput, actor: string): Promise<RolloutView> {
  if (!getVersion(ctx.db, input.model, input.version)) throw notFound(`model version ${input.model}@${input.version}`);
  const rings = ringNames(ctx.db);
  let plan: RolloutPlan;
  if (input.plan) {
    const parsed = rolloutPlanSchema.safeParse(input.plan);
    if (!parsed.success) throw validation(`plan: ${parsed.error.issues.map((i) => `${['plan', ...i.path].join('.')}: ${i.message}`).join('; ')}`, parsed.error.issues.map((i) => ({ path: ['plan', ...i.path].join('.'), message: i.message })));
    plan = parsed.data;
  } else {
    const canary = rings[0];
    if (!canary) throw conflict('no rings and no devices yet: enrol devices (or define rings) before rolling out with the default plan');
    plan = defaultPlan(canary);
  }
  const problems = planProblems(plan, rings);
  if (problems.length > 0) throw validation(`plan: ${problems.map((p) => `plan.${p.path}: ${p.message}`).join('; ')}`, problems.map((p) => ({ path: `plan.${p.path}`, message: p.message })));

  const id = randomUUID();
  const now = ctx.now();
  const iso = now.toISOString();
  ctx.db.transaction((tx) => {
    const active = rolloutsOfModel(tx, input.model, ACTIVE_STATES);
    if (active.length > 0 && !input.supersede) {
      throw conflict(`rollout ${active.map((r) => `${r.id} (${r.version}, ${r.state})`).join(', ')} of ${input.model} is still active: pause it, abort it, or create this one with "supersede": true`);
    }
    for (const old of active) {
      updateRollout(tx, old.id, { state: 'superseded', supersededBy: id, updatedAt: iso });
      record(ctx, tx, old, [{ action: 'rollout.superseded', details: { by: id, byVersion: input.version }, notify: true }], actor, now);
    }
    // Older completed rollouts stop enrolling late devices: the new one does that now.
    for (const done of rolloutsOfModel(tx, input.model, ['completed'])) if (done.supersededBy === null) updateRollout(tx, done.id, { supersededBy: id, updatedAt: iso });
    insertRollout(tx, { id, model: input.model, version: input.version, plan, state: 'running', step: 0, stepStartedAt: iso, advance: false, reverted: false, halt: null, gate: null, supersedes: active[0]?.id ?? null, supersededBy: null, createdBy: actor, createdAt: iso, updatedAt: iso });
    writeAudit(tx, { at: now, actor, action: 'rollout.created', subject: `rollout:${id}`, details: { model: input.model, version: input.version, steps: plan.steps.length, superseded: active.map((r) => r.id) } });
  });
  await reconcileRollout(ctx, id, actor);
  return rolloutView(ctx, id);
}

export async function rolloutAction(ctx: HubContext, id: string, action: RolloutAction, options: { revert?: boolean; reason?: string }, actor: string): Promise<RolloutView> {
  await ctx.locks.rollouts.run(id, async () => {
    const row = getRollout(ctx.db, id);
    if (!row) throw notFound(`rollout ${id}`);
    if (row.state === 'superseded') throw conflict(`rollout ${id} was superseded by ${row.supersededBy}: act on that one`);
    const now = ctx.now();
    const result = applyAction(statusOf(row), listMembers(ctx.db, id).map(memberOf), action, options, now);
    if (!result.ok) throw conflict(result.message);
    ctx.db.transaction((tx) => {
      updateRollout(tx, id, { state: result.status.state, advance: result.status.advance, halt: result.status.halt, reverted: result.status.reverted, stepStartedAt: result.status.stepStartedAt, updatedAt: now.toISOString() });
      for (const m of result.members) upsertMember(tx, memberRow(id, m));
      record(ctx, tx, row, result.events, actor, now);
    });
    if (result.events.some((e) => e.notify)) kickDelivery(ctx);
    await issue(ctx, row, row.step, result.assignments, actor);
  });
  // An advance or resume acts now rather than on the next tick.
  await reconcileRollout(ctx, id, actor);
  return rolloutView(ctx, id);
}

export interface StepView {
  index: number;
  kind: string;
  state: 'done' | 'current' | 'waiting';
  /** ring steps: their devices by status */
  devices?: Record<string, number>;
}

export interface RolloutView {
  id: string;
  model: string;
  version: string;
  state: RolloutState;
  step: number;
  stepStartedAt: string;
  halt: RolloutStatus['halt'];
  reverted: boolean;
  plan: RolloutPlan;
  steps: StepView[];
  /** all devices of the rollout by status */
  devices: Record<string, number>;
  members: { device: string; step: number; status: string; previous: string | null; error: string | null }[];
  gate: unknown;
  supersedes: string | null;
  supersededBy: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

const byStatus = (members: readonly RolloutMember[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const m of members) out[m.status] = (out[m.status] ?? 0) + 1;
  return out;
};

function viewOf(row: RolloutRow, members: RolloutMember[]): RolloutView {
  const plan = planOf(row);
  return {
    id: row.id,
    model: row.model,
    version: row.version,
    state: row.state as RolloutState,
    step: row.step,
    stepStartedAt: row.stepStartedAt,
    halt: (row.halt as RolloutStatus['halt']) ?? null,
    reverted: row.reverted,
    plan,
    steps: plan.steps.map((s, index) => ({
      index,
      kind: s.kind,
      state: index < row.step ? 'done' : index === row.step ? 'current' : 'waiting',
      ...(s.kind === 'ring' ? { devices: byStatus(members.filter((m) => m.step === index)) } : {}),
    })),
    devices: byStatus(members),
    members: members.map((m) => ({ device: m.deviceId, step: m.step, status: m.status, previous: m.previous ? `${m.previous.model}@${m.previous.version}` : null, error: m.error })),
    gate: row.gate,
    supersedes: row.supersedes,
    supersededBy: row.supersededBy,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function rolloutView(ctx: HubContext, id: string): RolloutView {
  const row = getRollout(ctx.db, id);
  if (!row) throw notFound(`rollout ${id}`);
  return viewOf(row, listMembers(ctx.db, id).map(memberOf));
}

export const listRolloutViews = (ctx: HubContext): RolloutView[] => listRollouts(ctx.db).map((row) => viewOf(row, listMembers(ctx.db, row.id).map(memberOf)));
