/** Rollouts as the API and console show them: state, steps with their devices, members, gate. */
import { listAudit } from '../../adapters/db/audit';
import type { Db } from '../../adapters/db/db';
import { getRollout, listMembers, listRollouts, lockRollout, type RolloutRow } from '../../adapters/db/rollouts';
import { notFound } from '../../core/errors';
import type { RolloutMember, RolloutState, RolloutStatus } from '../../core/rollouts/controller';
import type { GateReport } from '../../core/rollouts/gates';
import type { RolloutPlan } from '../../core/rollouts/plan';
import type { HubContext } from '../context';
import { memberOf, planOf } from './rows';

export interface StepView {
  index: number;
  kind: string;
  state: 'done' | 'current' | 'waiting';
  /** ring steps: their devices by status */
  devices?: Record<string, number>;
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

const isGateReport = (value: unknown): value is GateReport => typeof value === 'object' && value !== null && 'verdict' in value && Array.isArray((value as { metrics?: unknown }).metrics);

/**
 * Each gate step's report. The row keeps only the latest one (`gate`); the reports of gates
 * already decided are in the audit trail (`rollout.step.completed` carries the report it passed
 * on). The row's report belongs to the current step unless it is one of those: the pass that
 * enters a gate step does not evaluate it yet, so for a moment the row still holds the previous
 * gate's report. A halt on a gate keeps the failing report as its evidence.
 */
async function gateViews(db: Db, row: RolloutRow, kinds: readonly string[]): Promise<Map<number, StepGateView>> {
  const out = new Map<number, StepGateView>();
  if (!kinds.includes('gate')) return out;
  const decided = new Set<string>();
  // Oldest first: a step completed twice (resumed after a halt, say) shows its last decision.
  for (const entry of (await listAudit(db, `rollout:${row.id}`, 1_000)).reverse()) {
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

function viewOf(row: RolloutRow, members: RolloutMember[], gates: ReadonlyMap<number, StepGateView> = new Map()): RolloutView {
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
      ...(gates.has(index) ? { gate: gates.get(index) } : {}),
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
    const gates = await gateViews(tx, row, planOf(row).steps.map((s) => s.kind));
    return viewOf(row, (await listMembers(tx, id)).map(memberOf), gates);
  });
}

/** The newest rollouts (each row and its members read apart: a list may be a pass behind). */
export async function listRolloutViews(deps: Pick<HubContext, 'db'>): Promise<RolloutView[]> {
  const views: RolloutView[] = [];
  for (const row of await listRollouts(deps.db)) views.push(viewOf(row, (await listMembers(deps.db, row.id)).map(memberOf)));
  return views;
}
