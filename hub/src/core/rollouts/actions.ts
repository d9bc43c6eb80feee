/**
 * Manual rollout controls (ROLLOUTS.md "Manual controls") as pure transitions: pause, resume,
 * advance (skip the current wait), abort (stop, keeping or reverting the devices) and rollback
 * (the fast path: revert every touched device now, no analysis). An illegal transition is an
 * error that says what the rollout's state allows.
 */
import { rollbackAssignments, type Assignment, type ControllerEvent, type RolloutMember, type RolloutState, type RolloutStatus } from './controller';

export const ROLLOUT_ACTIONS = ['pause', 'resume', 'advance', 'abort', 'rollback'] as const;
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

const ALLOWED: Record<RolloutAction, readonly RolloutState[]> = {
  pause: ['running'],
  resume: ['paused', 'halted'],
  advance: ['running'],
  abort: ['running', 'paused', 'halted'],
  rollback: ['running', 'paused', 'halted', 'completed', 'aborted'],
};

export type ActionResult = { ok: true; status: RolloutStatus; members: RolloutMember[]; assignments: Assignment[]; events: ControllerEvent[] } | { ok: false; message: string };

export function applyAction(status: RolloutStatus, members: readonly RolloutMember[], action: RolloutAction, options: { revert?: boolean; reason?: string }, now: Date): ActionResult {
  const allowed = ALLOWED[action];
  if (!allowed.includes(status.state) || (action === 'rollback' && status.reverted)) {
    const states = allowed.filter((s) => !(action === 'rollback' && s === 'aborted')).join(', ');
    const what = status.reverted && action === 'rollback' ? 'a rollout whose devices were already reverted' : `${/^[aeiou]/.test(status.state) ? 'an' : 'a'} ${status.state} rollout`;
    return { ok: false, message: `cannot ${action} ${what} (${action} applies to: ${states}${action === 'rollback' ? ', or aborted without revert' : ''})` };
  }
  const at = now.toISOString();
  const note = options.reason ? { reason: options.reason } : {};
  const revert = (next: RolloutState, event: string): ActionResult => {
    const assignments = rollbackAssignments(members);
    return {
      ok: true,
      status: { ...status, state: next, advance: false, reverted: true },
      members: members.map((m) => (m.status === 'detached' ? m : { ...m, status: m.previous ? 'reverting' : 'kept' })),
      assignments,
      events: [{ action: event, details: { step: status.step, devices: assignments.length, manual: true, ...note }, notify: true }],
    };
  };
  switch (action) {
    case 'pause':
      return { ok: true, status: { ...status, state: 'paused' }, members: [...members], assignments: [], events: [{ action: 'rollout.paused', details: { step: status.step, ...note }, notify: false }] };
    case 'resume':
      // Resuming a halted rollout is the operator overruling the halt: the step starts over.
      return { ok: true, status: { ...status, state: 'running', halt: null, stepStartedAt: status.state === 'halted' ? at : status.stepStartedAt }, members: [...members], assignments: [], events: [{ action: 'rollout.resumed', details: { step: status.step, overruledHalt: status.halt?.reason ?? null, ...note }, notify: false }] };
    case 'advance':
      return { ok: true, status: { ...status, advance: true }, members: [...members], assignments: [], events: [{ action: 'rollout.advance.requested', details: { step: status.step, ...note }, notify: false }] };
    case 'abort':
      if (options.revert) return revert('aborted', 'rollout.aborted');
      return { ok: true, status: { ...status, state: 'aborted', advance: false }, members: [...members], assignments: [], events: [{ action: 'rollout.aborted', details: { step: status.step, revert: false, ...note }, notify: true }] };
    case 'rollback':
      return revert('rolled-back', 'rollout.rolled-back');
  }
}
