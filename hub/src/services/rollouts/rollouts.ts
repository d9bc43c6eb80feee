/**
 * Rollouts as a service around the pure controller (core/rollouts): load the rollout, its
 * members, the fleet and the observations; reconcile; persist status, members, audit rows and
 * notifications; then issue the deployment docs it asked for. Runs on the `rollout-controller`
 * cron tick (on the replica holding the scheduled-jobs lease), right after device state reports,
 * and on every manual action (on whichever replica the admin reached).
 *
 * The database is the lock (issue 12): every step that reads a rollout's state to write it, a
 * controller pass or a manual action, does both in one transaction that first locks the
 * rollout's row (`lockRollout`: SELECT ... FOR UPDATE on PostgreSQL; a SQLite transaction holds
 * the only write lock anyway). Two replicas acting on one rollout take turns, and each checks its
 * transition against the state it read under the lock: a pause racing a pause gets "cannot pause
 * a paused rollout", never a lost update. A pass commits its new step together with the members
 * the step enrols, so a replica killed after the commit leaves a rollout that the next pass, on
 * any replica, finishes at the same step with the same devices; one killed before it leaves the
 * rollout as it was. The docs are issued after the commit (issue.ts says how that stays safe).
 */
import { randomUUID } from 'node:crypto';
import { writeAudit } from '../../adapters/db/audit';
import type { Db } from '../../adapters/db/db';
import { listDevices } from '../../adapters/db/devices';
import { getVersion } from '../../adapters/db/models';
import { getRollout, insertRollout, listMembers, listRings, lockRollout, lockRolloutsOfModel, rolloutsInStates, rolloutsOfModel, updateRollout, upsertMembers, type RolloutRow } from '../../adapters/db/rollouts';
import type { Scheduler } from '../../adapters/scheduler';
import { conflict, notFound, validation } from '../../core/errors';
import { applyAction, type RolloutAction } from '../../core/rollouts/actions';
import { ACTIVE_STATES, reconcile, type ControllerEvent } from '../../core/rollouts/controller';
import { defaultPlan, planProblems, rolloutPlanSchema, type RolloutPlan } from '../../core/rollouts/plan';
import { ringStepWarnings, type StepWarning } from '../../core/rollouts/step-coverage';
import type { HubContext } from '../context';
import { kickDelivery, queueNotification, type NotificationKind } from '../drift/notifications';
import { requireRelease } from '../devices/deployments';
import { adoptIssuedDocs, issue, rollbacksNotIssued } from './issue';
import { fleetView, gateReport, inheritedTargets, reportingDevices } from './observations';
import { changedMembers, memberOf, memberRow, planOf, statusOf, type RolloutDeps } from './rows';
import { rolloutView, type RolloutView } from './views';

export type { RolloutDeps } from './rows';
export { listRolloutViews, rolloutView, type RolloutView, type StepView } from './views';

const CONTROLLER = 'rollout-controller';
const NOTIFY_KINDS: Record<string, NotificationKind> = { 'rollout.halted': 'rollout.halted', 'rollout.rolled-back': 'rollout.rolled-back', 'rollout.aborted': 'rollout.aborted', 'rollout.superseded': 'rollout.superseded' };

async function record(deps: Pick<HubContext, 'alerting'>, tx: Db, row: RolloutRow, events: readonly ControllerEvent[], actor: string, at: Date): Promise<void> {
  for (const event of events) {
    await writeAudit(tx, { at, actor, action: event.action, subject: `rollout:${row.id}`, details: { model: row.model, version: row.version, ...event.details } });
    const kind = NOTIFY_KINDS[event.action];
    if (event.notify && kind) await queueNotification(tx, deps.alerting.webhook, at, kind, { rollout: row.id, model: row.model, version: row.version, actor, ...event.details });
  }
}

/**
 * One controller pass over one rollout: decided and committed under the rollout's lock (the
 * observations are read in that transaction too, so the decision rests on one view), then the
 * docs it asked for are issued. Passes of one rollout in this process also take turns as a whole,
 * issuing included (`locks.rollouts`): a pass starting while another still sends its docs would
 * find members without a recorded seq and send them all again (measured: most of 4,000 docs sent
 * twice when a scheduled pass met a rollout's first one). Across replicas only the lease holder
 * runs scheduled passes, so that overlap needs an admin acting on another replica at that moment,
 * and then costs a duplicate doc, not a wrong one.
 */
export function reconcileRollout(deps: RolloutDeps, id: string, actor = `job:${CONTROLLER}`): Promise<void> {
  return deps.locks.rollouts.run(id, () => passOf(deps, id, actor));
}

async function passOf(deps: RolloutDeps, id: string, actor: string): Promise<void> {
  const pass = await deps.db.transaction(async (tx) => {
    await lockRollout(tx, id);
    const row = await getRollout(tx, id);
    if (!row) return null;
    const plan = planOf(row);
    const status = statusOf(row);
    const now = deps.now();
    const stored = (await listMembers(tx, id)).map(memberOf);
    const devices = await fleetView(tx);
    const members = await adoptIssuedDocs(tx, row, stored, devices);
    const gate = await gateReport(tx, deps.logger, now, row, plan, status, members);
    const result = reconcile({ id, model: row.model, version: row.version, plan }, status, members, {
      devices,
      gate,
      reportingDevices: await reportingDevices(tx, row, plan, status, members),
      inherited: await inheritedTargets(tx, row),
      now,
    });
    const owed = await rollbacksNotIssued(tx, row, result.members, devices);
    if (owed.length > 0) deps.logger.warn('rollout owes devices their rollback docs: sending them', { rollout: id, devices: owed.length });
    // A quiet tick changes nothing: only what moved is written (a tick covers every device of every rollout).
    const changed = changedMembers(stored, result.members);
    const statusChanged = gate !== null || JSON.stringify(result.status) !== JSON.stringify(status);
    if (changed.length > 0 || statusChanged || result.events.length > 0) {
      await updateRollout(tx, id, { state: result.status.state, step: result.status.step, stepStartedAt: result.status.stepStartedAt, advance: result.status.advance, halt: result.status.halt, reverted: result.status.reverted, gate: gate ?? row.gate, updatedAt: now.toISOString() });
      await upsertMembers(tx, changed.map((m) => memberRow(id, m)));
      await record(deps, tx, row, result.events, actor, now);
    }
    return { row, result, assignments: [...result.assignments, ...owed] };
  });
  if (!pass) return;
  for (const event of pass.result.events) if (event.action === 'rollout.step.empty') deps.logger.warn('rollout ring step took no device', { rollout: id, model: pass.row.model, version: pass.row.version, ...event.details });
  if (pass.result.events.some((e) => e.notify)) kickDelivery(deps);
  await issue(deps, pass.row, pass.result.status.step, pass.assignments, `rollout:${id}`);
}

/** Every rollout that can still act: running, paused, halted, and the newest completed one per model (late enrolments). */
export async function reconcileAllRollouts(deps: RolloutDeps): Promise<{ rollouts: number }> {
  const rows = (await rolloutsInStates(deps.db, [...ACTIVE_STATES, 'completed', 'rolled-back', 'aborted'])).filter((r) => r.supersededBy === null);
  // Reverted rollouts keep being reconciled only while their devices are still converging back.
  const live: RolloutRow[] = [];
  for (const row of rows) if ((row.state !== 'rolled-back' && row.state !== 'aborted') || (await listMembers(deps.db, row.id)).some((m) => m.status === 'reverting')) live.push(row);
  for (const row of live) await reconcileRollout(deps, row.id);
  return { rollouts: live.length };
}

/*
 * Coalesces this process's requests for an early controller pass, per scheduler: a report that
 * arrives while one is already due joins it. It guards nothing about a rollout's state (the row
 * lock does that, across replicas); it only keeps a flood of reports from queueing a pass each.
 * It stays in memory on purpose: every device report would otherwise be a database write, and a
 * replica's own timer is all it governs. (On a replica not holding the scheduled-jobs lease the
 * pass is skipped, and the holder's next tick takes the report into account.)
 */
const pending = new WeakSet<Scheduler>();
const lastPassMs = new WeakMap<Scheduler, number>();
/**
 * A device reported: let the controller look soon (coalesced), instead of waiting for its tick.
 * A pass reads the whole fleet (some 100 ms at 10,000 devices), so during a rollout's flood of
 * reports it starts at most every 100 ms, and waits three times as long as its last pass took.
 */
export function requestReconcile(deps: Pick<HubContext, 'jobs'>): void {
  const jobs = deps.jobs;
  if (pending.has(jobs) || !jobs.has(CONTROLLER)) return;
  pending.add(jobs);
  setTimeout(
    () => {
      // Reports arriving during this pass ask for the next one.
      pending.delete(jobs);
      void jobs.runNow(CONTROLLER).then((run) => void lastPassMs.set(jobs, run.durationMs));
    },
    Math.max(100, 3 * (lastPassMs.get(jobs) ?? 0)),
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

async function ringNames(db: Db): Promise<string[]> {
  const named = (await listRings(db)).map((r) => r.name);
  const used = [...new Set((await listDevices(db)).map((d) => d.ring))].sort();
  return [...named, ...used.filter((r) => !named.includes(r))];
}

/** The default plan over the rings as they are now: the first ring (by position, then by name) is the canary. */
export async function defaultRolloutPlan(deps: Pick<HubContext, 'db'>): Promise<{ canary: string; rings: string[]; plan: RolloutPlan }> {
  const rings = await ringNames(deps.db);
  const canary = rings[0];
  if (!canary) throw conflict('no rings and no devices yet: enrol devices (or define rings) before rolling out with the default plan');
  return { canary, rings, plan: defaultPlan(canary) };
}

/**
 * What a create checks before it writes anything: the version exists and the plan (the default
 * one when none is given) is sound; the errors are the create's own, each naming its field.
 */
async function checkedPlan(deps: Pick<HubContext, 'db'>, input: CreateRolloutInput): Promise<RolloutPlan> {
  if (!(await getVersion(deps.db, input.model, input.version))) throw notFound(`model version ${input.model}@${input.version}`);
  if (!input.plan) return (await defaultRolloutPlan(deps)).plan;
  const rings = await ringNames(deps.db);
  const parsed = rolloutPlanSchema.safeParse(input.plan);
  if (!parsed.success) throw validation(`plan: ${parsed.error.issues.map((i) => `${['plan', ...i.path].join('.')}: ${i.message}`).join('; ')}`, parsed.error.issues.map((i) => ({ path: ['plan', ...i.path].join('.'), message: i.message })));
  const problems = planProblems(parsed.data, rings);
  if (problems.length > 0) throw validation(`plan: ${problems.map((p) => `plan.${p.path}: ${p.message}`).join('; ')}`, problems.map((p) => ({ path: `plan.${p.path}`, message: p.message })));
  return parsed.data;
}

export interface RolloutCheck {
  /** the plan as a create would store it (defaults filled in) */
  plan: RolloutPlan;
  /** the model's active rollouts: a create is refused while there are any, unless it supersedes them */
  active: { id: string; version: string; state: string }[];
  /** ring steps that would take no device if they ran now (a create is not refused for them) */
  warnings: StepWarning[];
}

/** Ring steps of `plan` that take no device of the fleet as it is now. */
async function planWarnings(deps: Pick<HubContext, 'db'>, input: CreateRolloutInput, plan: RolloutPlan): Promise<StepWarning[]> {
  return ringStepWarnings(plan, await fleetView(deps.db), { model: input.model, version: input.version });
}

/** A dry run of createRollout: the same checks and errors, nothing written (the console validates as the admin types). */
export async function checkRollout(deps: Pick<HubContext, 'db'>, input: CreateRolloutInput): Promise<RolloutCheck> {
  const plan = await checkedPlan(deps, input);
  const active = (await rolloutsOfModel(deps.db, input.model, ACTIVE_STATES)).map((r) => ({ id: r.id, version: r.version, state: r.state }));
  return { plan, active, warnings: await planWarnings(deps, input, plan) };
}

export async function createRollout(deps: RolloutDeps, input: CreateRolloutInput, actor: string): Promise<RolloutView> {
  const plan = await checkedPlan(deps, input);
  // A release devices would refuse for its size (E_DOC_TOO_LARGE) is refused now, not step by step.
  await requireRelease(deps, input.model, input.version);
  // Accepted all the same (devices may join the ring before the step comes), but said, and audited.
  const warnings = await planWarnings(deps, input, plan);

  const id = randomUUID();
  const now = deps.now();
  const iso = now.toISOString();
  await deps.db.transaction(async (tx) => {
    // Whatever else creates a rollout of this model, or acts on one of its rollouts, takes turns with this.
    await lockRolloutsOfModel(tx, input.model, [...ACTIVE_STATES, 'completed']);
    const active = await rolloutsOfModel(tx, input.model, ACTIVE_STATES);
    if (active.length > 0 && !input.supersede) {
      throw conflict(`rollout ${active.map((r) => `${r.id} (${r.version}, ${r.state})`).join(', ')} of ${input.model} is still active: pause it, abort it, or create this one with "supersede": true`);
    }
    for (const old of active) {
      await updateRollout(tx, old.id, { state: 'superseded', supersededBy: id, updatedAt: iso });
      await record(deps, tx, old, [{ action: 'rollout.superseded', details: { by: id, byVersion: input.version }, notify: true }], actor, now);
    }
    // Older completed rollouts stop enrolling late devices: the new one does that now.
    for (const done of await rolloutsOfModel(tx, input.model, ['completed'])) if (done.supersededBy === null) await updateRollout(tx, done.id, { supersededBy: id, updatedAt: iso });
    await insertRollout(tx, { id, model: input.model, version: input.version, plan, state: 'running', step: 0, stepStartedAt: iso, advance: false, reverted: false, halt: null, gate: null, supersedes: active[0]?.id ?? null, supersededBy: null, createdBy: actor, createdAt: iso, updatedAt: iso });
    await writeAudit(tx, { at: now, actor, action: 'rollout.created', subject: `rollout:${id}`, details: { model: input.model, version: input.version, steps: plan.steps.length, superseded: active.map((r) => r.id), ...(warnings.length > 0 ? { warnings: warnings.map((w) => w.message) } : {}) } });
  });
  await reconcileRollout(deps, id, actor);
  return rolloutView(deps, id);
}

/**
 * A manual control (pause, resume, advance, abort, rollback): checked against the state read
 * under the rollout's lock and committed in the same transaction, so a controller pass or another
 * admin on another replica either went first (and this one sees what it did) or waits.
 */
export async function rolloutAction(deps: RolloutDeps, id: string, action: RolloutAction, options: { revert?: boolean; reason?: string }, actor: string): Promise<RolloutView> {
  await deps.locks.rollouts.run(id, () => actOn(deps, id, action, options, actor));
  return rolloutView(deps, id);
}

async function actOn(deps: RolloutDeps, id: string, action: RolloutAction, options: { revert?: boolean; reason?: string }, actor: string): Promise<void> {
  const done = await deps.db.transaction(async (tx) => {
    await lockRollout(tx, id);
    const row = await getRollout(tx, id);
    if (!row) throw notFound(`rollout ${id}`);
    if (row.state === 'superseded') throw conflict(`rollout ${id} was superseded by ${row.supersededBy}: act on that one`);
    const now = deps.now();
    const members = (await listMembers(tx, id)).map(memberOf);
    const result = applyAction(statusOf(row), members, action, options, now);
    if (!result.ok) throw conflict(result.message);
    await updateRollout(tx, id, { state: result.status.state, advance: result.status.advance, halt: result.status.halt, reverted: result.status.reverted, stepStartedAt: result.status.stepStartedAt, updatedAt: now.toISOString() });
    await upsertMembers(tx, changedMembers(members, result.members).map((m) => memberRow(id, m)));
    await record(deps, tx, row, result.events, actor, now);
    return { row, result };
  });
  if (done.result.events.some((e) => e.notify)) kickDelivery(deps);
  await issue(deps, done.row, done.row.step, done.result.assignments, actor);
  // An advance or resume acts now rather than on the next tick.
  await passOf(deps, id, actor);
}
