/** Rollouts as the API and console show them: state, steps with their devices, members, gate, warnings. */
import { listAudit } from '../../adapters/db/audit';
import { getRollout, listMembers, listRollouts, lockRollout, type RolloutRow } from '../../adapters/db/rollouts';
import { notFound } from '../../core/errors';
import { ACTIVE_STATES, type RolloutMember, type RolloutState, type RolloutStatus } from '../../core/rollouts/controller';
import type { GateReport } from '../../core/rollouts/gates';
import { trafficShareOf, type RolloutPlan } from '../../core/rollouts/plan';
import { ringStepWarnings, type StepWarning } from '../../core/rollouts/step-coverage';
import { fleetView } from './observations';
import type { HubContext } from '../context';
import { memberOf, planOf } from './rows';

export interface StepView {
  index: number;
  kind: string;
  state: 'done' | 'current' | 'waiting';
  /** ring steps: their devices by status */
  devices?: Record<string, number>;
  /** ring steps that take (or took) no device: why */
  warning?: string;
  /** gate steps, in the one-rollout view: the report the step was (or is being) decided on, once there is one */
  gate?: StepGateView;
}

export interface StepGateView {
  report: GateReport;
  /** how the step ended on it: passed, advanced by hand, halted on it; null while it is still evaluated */
  outcome: 'passed' | 'advanced' | 'halted' | null;
  /** when it was decided (or last evaluated) */
  at: string;
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
  /** `shadow`: the new version runs beside the old; `trafficShare`: the share of requests it answers there (ramp-up) */
  members: { device: string; step: number; mode: 'active' | 'shadow'; trafficShare: number | null; status: string; previous: string | null; error: string | null }[];
  gate: unknown;
  /**
   * Ring steps that take no device: for steps still to come (of a running, paused or halted
   * rollout) as the fleet is now; for steps passed, as recorded when they completed (the
   * one-rollout view only).
   */
  warnings: StepWarning[];
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

const isGateReport = (value: unknown): value is GateReport => typeof value === 'object' && value !== null && 'verdict' in value && Array.isArray((value as { metrics?: unknown }).metrics);

/**
 * Each gate step's report. The row keeps only the latest one (`gate`); the reports of gates
 * already decided are in the audit trail (`rollout.step.completed` carries the report it passed
 * on). The row's report belongs to the current step unless it is one of those: the pass that
 * enters a gate step does not evaluate it yet, so for a moment the row still holds the previous
 * gate's report. A halt on a gate keeps the failing report as its evidence.
 */
type AuditRow = Awaited<ReturnType<typeof listAudit>>[number];

function gateViews(trail: readonly AuditRow[], row: RolloutRow, kinds: readonly string[]): Map<number, StepGateView> {
  const out = new Map<number, StepGateView>();
  if (!kinds.includes('gate')) return out;
  const decided = new Set<string>();
  // Oldest first: a step completed twice (resumed after a halt, say) shows its last decision.
  for (const entry of trail) {
    if (entry.action !== 'rollout.step.completed') continue;
    const details = entry.details as { step?: unknown; kind?: unknown; manual?: unknown; gate?: unknown };
    if (details.kind !== 'gate' || typeof details.step !== 'number' || !isGateReport(details.gate)) continue;
    decided.add(JSON.stringify(details.gate));
    out.set(details.step, { report: details.gate, outcome: details.manual === true ? 'advanced' : 'passed', at: entry.at });
  }
  if (kinds[row.step] !== 'gate') return out;
  const halt = row.halt as RolloutStatus['halt'] | null;
  if (halt && isGateReport(halt.evidence)) out.set(row.step, { report: halt.evidence, outcome: 'halted', at: halt.at });
  else if (isGateReport(row.gate) && !decided.has(JSON.stringify(row.gate))) out.set(row.step, { report: row.gate, outcome: null, at: row.updatedAt });
  return out;
}

/** The empty ring steps a controller pass recorded (`rollout.step.empty`), by step: the latest of each. */
function recordedWarnings(trail: readonly AuditRow[]): Map<number, StepWarning> {
  const out = new Map<number, StepWarning>();
  for (const entry of trail) {
    if (entry.action !== 'rollout.step.empty') continue;
    const details = entry.details as { step?: unknown; warning?: unknown };
    if (typeof details.step === 'number' && typeof details.warning === 'string') out.set(details.step, { step: details.step, path: `plan.steps.${details.step}`, message: details.warning });
  }
  return out;
}

/**
 * Ring steps still to come that would take no device now, for a rollout that can still act;
 * with the warnings recorded for the steps passed (`recorded`), in step order.
 */
function warningsOf(row: RolloutRow, plan: RolloutPlan, members: readonly RolloutMember[], devices: Parameters<typeof ringStepWarnings>[1] | null, recorded: ReadonlyMap<number, StepWarning> = new Map()): StepWarning[] {
  const live = devices && (ACTIVE_STATES as readonly string[]).includes(row.state) ? ringStepWarnings(plan, devices, { model: row.model, version: row.version }, { from: row.step, members: new Set(members.filter((m) => m.mode === 'active').map((m) => m.deviceId)) }) : [];
  // The current step: its own members say more than a guess (it may have taken devices since).
  const current = live.filter((w) => w.step !== row.step || !members.some((m) => m.step === row.step));
  const byStep = new Map(recorded);
  for (const warning of current) if (!byStep.has(warning.step)) byStep.set(warning.step, warning);
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

function viewOf(row: RolloutRow, members: RolloutMember[], gates: ReadonlyMap<number, StepGateView> = new Map(), warnings: readonly StepWarning[] = []): RolloutView {
  const plan = planOf(row);
  const warned = new Map(warnings.map((w) => [w.step, w.message]));
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
      ...(warned.has(index) ? { warning: warned.get(index) } : {}),
      ...(gates.has(index) ? { gate: gates.get(index) } : {}),
    })),
    devices: byStatus(members),
    members: members.map((m) => ({
      device: m.deviceId,
      step: m.step,
      mode: m.mode,
      trafficShare: m.mode === 'shadow' ? (trafficShareOf(plan, m.step) ?? null) : null,
      status: m.status,
      previous: m.previous ? `${m.previous.model}@${m.previous.version}` : null,
      error: m.error,
    })),
    gate: row.gate,
    warnings: [...warnings],
    supersedes: row.supersedes,
    supersededBy: row.supersededBy,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/**
 * One rollout with its members, as one pass or action left them: read under the rollout's lock,
 * since on PostgreSQL (READ COMMITTED) two reads could straddle a pass's commit and show its new
 * step beside the members of the old one. A pass holds the lock for a fraction of a second.
 */
export async function rolloutView(deps: Pick<HubContext, 'db'>, id: string): Promise<RolloutView> {
  return deps.db.transaction(async (tx) => {
    await lockRollout(tx, id);
    const row = await getRollout(tx, id);
    if (!row) throw notFound(`rollout ${id}`);
    const plan = planOf(row);
    const trail = (await listAudit(tx, `rollout:${row.id}`, 1_000)).reverse();
    const members = (await listMembers(tx, id)).map(memberOf);
    const devices = (ACTIVE_STATES as readonly string[]).includes(row.state) ? await fleetView(tx) : null;
    const warnings = warningsOf(row, plan, members, devices, recordedWarnings(trail));
    return viewOf(row, members, gateViews(trail, row, plan.steps.map((s) => s.kind)), warnings);
  });
}

/** The newest rollouts (each row and its members read apart: a list may be a pass behind). */
export async function listRolloutViews(deps: Pick<HubContext, 'db'>): Promise<RolloutView[]> {
  const views: RolloutView[] = [];
  const rows = await listRollouts(deps.db);
  // The fleet is read once, and only when a rollout can still act on it.
  const devices = rows.some((row) => (ACTIVE_STATES as readonly string[]).includes(row.state)) ? await fleetView(deps.db) : null;
  for (const row of rows) {
    const members = (await listMembers(deps.db, row.id)).map(memberOf);
    views.push(viewOf(row, members, new Map(), warningsOf(row, planOf(row), members, devices)));
  }
  return views;
}
