/** Rollouts as the API and console show them: state, steps with their devices, members, gate. */
import { getRollout, listMembers, listRollouts, lockRollout, type RolloutRow } from '../../adapters/db/rollouts';
import { notFound } from '../../core/errors';
import type { RolloutMember, RolloutState, RolloutStatus } from '../../core/rollouts/controller';
import type { RolloutPlan } from '../../core/rollouts/plan';
import type { HubContext } from '../context';
import { memberOf, planOf } from './rows';

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
    return viewOf(row, (await listMembers(tx, id)).map(memberOf));
  });
}

/** The newest rollouts (each row and its members read apart: a list may be a pass behind). */
export async function listRolloutViews(deps: Pick<HubContext, 'db'>): Promise<RolloutView[]> {
  const views: RolloutView[] = [];
  for (const row of await listRollouts(deps.db)) views.push(viewOf(row, (await listMembers(deps.db, row.id)).map(memberOf)));
  return views;
}
