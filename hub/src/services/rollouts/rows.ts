/** Rollout and member rows as the pure controller (core/rollouts) sees them, and back. */
import type { RolloutMemberRow, RolloutRow } from '../../adapters/db/rollouts';
import type { MemberStatus, RolloutMember, RolloutState, RolloutStatus } from '../../core/rollouts/controller';
import { rolloutPlanSchema, type RolloutPlan } from '../../core/rollouts/plan';
import type { HubContext } from '../context';

/**
 * What a controller pass and the manual actions use of the hub: the database, the clock, the log,
 * the webhook (notifications) and what assigning devices needs (services/devices/deployments.ts).
 */
export type RolloutDeps = Pick<HubContext, 'db' | 'now' | 'logger' | 'alerting' | 'releases' | 'signDoc' | 'broker' | 'deploymentTtlS' | 'statsIntervalS'> & { locks: Pick<HubContext['locks'], 'rollouts'> };

export const planOf = (row: RolloutRow): RolloutPlan => rolloutPlanSchema.parse(row.plan);

export const statusOf = (row: RolloutRow): RolloutStatus => ({
  state: row.state as RolloutState,
  step: row.step,
  stepStartedAt: row.stepStartedAt,
  advance: row.advance,
  halt: (row.halt as RolloutStatus['halt']) ?? null,
  reverted: row.reverted,
});

export const memberOf = (row: RolloutMemberRow): RolloutMember => ({
  deviceId: row.deviceId,
  step: row.step,
  mode: row.mode === 'shadow' ? 'shadow' : 'active',
  previous: row.previousModel !== null && row.previousVersion !== null ? { model: row.previousModel, version: row.previousVersion } : null,
  assignedSeq: row.assignedSeq,
  assignedAt: row.assignedAt,
  status: row.status as MemberStatus,
  error: row.error,
});

export const memberRow = (rolloutId: string, m: RolloutMember): RolloutMemberRow => ({
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

// Every field of a member; the compiler refuses this list when RolloutMember gains one.
const MEMBER_FIELDS = Object.keys({ deviceId: true, step: true, mode: true, previous: true, assignedSeq: true, assignedAt: true, status: true, error: true } satisfies Record<keyof RolloutMember, true>) as Array<keyof RolloutMember>;

/** Field by field: serialising 10,000 members twice per pass was a tenth of a storm's hub CPU. */
export function sameMember(a: RolloutMember | undefined, b: RolloutMember): boolean {
  if (!a) return false;
  return MEMBER_FIELDS.every((field) => (field === 'previous' ? a.previous?.model === b.previous?.model && a.previous?.version === b.previous?.version : a[field] === b[field]));
}

/** The members of `after` that differ from what `before` held (only those are written). */
export function changedMembers(before: readonly RolloutMember[], after: readonly RolloutMember[]): RolloutMember[] {
  const stored = new Map(before.map((m) => [m.deviceId, m]));
  return after.filter((m) => !sameMember(stored.get(m.deviceId), m));
}
