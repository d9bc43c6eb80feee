import { describe, expect, it } from 'vitest';
import { applyAction } from '../../../src/core/rollouts/actions';
import { reconcile, type DeviceView, type Observations, type ReconcileResult, type RolloutInput, type RolloutMember, type RolloutStatus } from '../../../src/core/rollouts/controller';
import type { GateReport } from '../../../src/core/rollouts/gates';
import { rolloutPlanSchema } from '../../../src/core/rollouts/plan';

const T0 = Date.parse('2026-11-25T10:00:00.000Z');
const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);
const OLD = { model: 'm', version: '1' };

const rollout: RolloutInput = {
  id: 'r1',
  model: 'm',
  version: '2',
  plan: rolloutPlanSchema.parse({
    steps: [
      { kind: 'ring', ring: 'canary', deadlineMinutes: 30 },
      { kind: 'bake', minutes: 10, minReporting: 2 },
      { kind: 'gate', metrics: [{ metric: 'error-rate', max: 0.05 }], deadlineMinutes: 60 },
      { kind: 'approve' },
      { kind: 'ring', ring: '*' },
    ],
  }),
};

const device = (id: string, ring: string, over: Partial<DeviceView> = {}): DeviceView => ({ id, ring, tags: {}, online: true, assignment: { ...OLD, seq: 1 }, reported: { seq: 1, phase: 'serving', active: OLD, error: null }, ...over });
const fleet = (): DeviceView[] => [device('c1', 'canary'), device('c2', 'canary'), device('c3', 'canary'), device('m1', 'main'), device('m2', 'main'), device('other', 'main', { assignment: { model: 'x', version: '9', seq: 4 } })];
const start: RolloutStatus = { state: 'running', step: 0, stepStartedAt: at(0).toISOString(), advance: false, halt: null, reverted: false };
const obs = (devices: DeviceView[], minutes: number, over: Partial<Observations> = {}): Observations => ({ devices, gate: null, reportingDevices: 0, now: at(minutes), ...over });

/** What the service does after a reconcile: issue the docs (seq 10) and let devices report `phase` on them. */
function apply(devices: DeviceView[], result: ReconcileResult, phase: (id: string) => { phase: string; error?: string } | null): { devices: DeviceView[]; members: RolloutMember[] } {
  const members = result.members.map((m) => (result.assignments.some((a) => a.deviceId === m.deviceId) && m.assignedSeq === null ? { ...m, assignedSeq: 10 } : m));
  const next = devices.map((d) => {
    const assignment = result.assignments.find((a) => a.deviceId === d.id);
    const assigned = assignment ? { model: assignment.model, version: assignment.version, seq: (d.assignment?.seq ?? 0) + 10 } : d.assignment;
    const report = phase(d.id);
    if (!report || !assigned) return { ...d, assignment: assigned };
    const active = report.phase === 'serving' && !report.error ? { model: assigned.model, version: assigned.version } : d.reported?.active ?? null;
    return { ...d, assignment: assigned, reported: { seq: assigned.seq, phase: report.phase, active, error: report.error ?? null } };
  });
  return { devices: next, members };
}

const passGate: GateReport = { verdict: 'pass', metrics: [], failed: [], inconclusive: [] };

describe('rollout controller', () => {
  it('assigns the canary ring, skips devices on another model, and waits for them to serve', () => {
    const first = reconcile(rollout, start, [], obs(fleet(), 0));
    expect(first.assignments.map((a) => a.deviceId)).toEqual(['c1', 'c2', 'c3']);
    expect(first.members.map((m) => [m.deviceId, m.previous, m.status])).toEqual([
      ['c1', OLD, 'pending'],
      ['c2', OLD, 'pending'],
      ['c3', OLD, 'pending'],
    ]);
    expect(first.status.step).toBe(0);
    // Safe to run twice: nothing new is asked for once the docs are issued.
    const { devices, members } = apply(fleet(), first, () => null);
    expect(reconcile(rollout, first.status, members, obs(devices, 1)).assignments).toEqual([]);
  });

  it('walks every step: success threshold, bake time and reporting devices, gate, approval, then the fleet', () => {
    let result = reconcile(rollout, start, [], obs(fleet(), 0));
    let state = apply(fleet(), result, (id) => (id.startsWith('c') ? { phase: 'serving' } : null));
    result = reconcile(rollout, result.status, state.members, obs(state.devices, 1));
    expect(result.status.step).toBe(1);
    expect(result.events.map((e) => e.action)).toEqual(['rollout.step.completed']);
    // Bake: 10 minutes AND 2 reporting devices.
    expect(reconcile(rollout, result.status, state.members, obs(state.devices, 5, { reportingDevices: 3 })).status.step).toBe(1);
    expect(reconcile(rollout, result.status, state.members, obs(state.devices, 12, { reportingDevices: 1 })).status.step).toBe(1);
    result = reconcile(rollout, result.status, state.members, obs(state.devices, 12, { reportingDevices: 2 }));
    expect(result.status.step).toBe(2);
    // Gate passes, then the approve step waits for a person.
    result = reconcile(rollout, result.status, result.members, obs(state.devices, 13, { gate: passGate }));
    expect(result.status.step).toBe(3);
    expect(reconcile(rollout, result.status, result.members, obs(state.devices, 500)).status.step).toBe(3);
    const approved = applyAction(result.status, result.members, 'advance', {}, at(501));
    if (!approved.ok) throw new Error(approved.message);
    result = reconcile(rollout, approved.status, approved.members, obs(state.devices, 501));
    expect(result.status.step).toBe(4);
    expect(result.assignments.map((a) => a.deviceId)).toEqual(['m1', 'm2']);
    state = apply(state.devices, result, () => ({ phase: 'serving' }));
    result = reconcile(rollout, result.status, state.members, obs(state.devices, 502));
    expect(result.status.state).toBe('completed');
    // A device enrolled after the rollout reached its ring gets the version.
    const late = [...state.devices, device('m3', 'main', { assignment: null, reported: null })];
    const joined = reconcile(rollout, result.status, result.members, obs(late, 600));
    expect(joined.assignments).toEqual([{ deviceId: 'm3', model: 'm', version: '2', reason: 'rollout' }]);
    expect(joined.members.find((m) => m.deviceId === 'm3')?.previous).toBeNull();
  });

  it('halts and rolls back every touched device when probes fail beyond the error threshold', () => {
    const first = reconcile(rollout, start, [], obs(fleet(), 0));
    const state = apply(fleet(), first, (id) => (id === 'c1' ? { phase: 'serving' } : id === 'c2' ? { phase: 'serving', error: 'E_PROBE_FAILED' } : null));
    const result = reconcile(rollout, first.status, state.members, obs(state.devices, 1));
    expect(result.status).toMatchObject({ state: 'rolled-back', reverted: true, halt: { reason: expect.stringContaining('1 failed and 0 timed-out of 3 devices exceed the error threshold of 10%') } });
    expect(result.assignments).toEqual(['c1', 'c2', 'c3'].map((deviceId) => ({ deviceId, ...OLD, reason: 'rollback' })));
    expect(result.events.filter((e) => e.notify).map((e) => e.action)).toEqual(['rollout.halted', 'rollout.rolled-back']);
    // Devices converge back: reverted once they serve the old version again.
    const back = apply(state.devices, result, () => ({ phase: 'serving' }));
    const after = reconcile(rollout, result.status, result.members, obs(back.devices, 2));
    expect(after.members.map((m) => m.status)).toEqual(['reverted', 'reverted', 'reverted']);
    expect(after.assignments).toEqual([]);
  });

  it('halts on a failing gate, and on a gate still inconclusive at its deadline; without autoRollback it only halts', () => {
    const first = reconcile(rollout, start, [], obs(fleet(), 0));
    const serving = apply(fleet(), first, (id) => (id.startsWith('c') ? { phase: 'serving' } : null));
    let result = reconcile(rollout, { ...start, step: 2 }, serving.members, obs(serving.devices, 0));
    const failing: GateReport = { verdict: 'fail', metrics: [], failed: ['error-rate (0.2 > max 0.05)'], inconclusive: [] };
    expect(reconcile(rollout, result.status, result.members, obs(serving.devices, 1, { gate: failing })).status).toMatchObject({ state: 'rolled-back', halt: { reason: 'gate failed: error-rate (0.2 > max 0.05)' } });
    const unsure: GateReport = { verdict: 'inconclusive', metrics: [], failed: [], inconclusive: ['error-rate (3 samples)'] };
    expect(reconcile(rollout, result.status, result.members, obs(serving.devices, 30, { gate: unsure })).status.state).toBe('running');
    const manual = { ...rollout, plan: { ...rollout.plan, autoRollback: false } };
    result = reconcile(manual, result.status, result.members, obs(serving.devices, 61, { gate: unsure }));
    expect(result.status).toMatchObject({ state: 'halted', reverted: false, halt: { reason: 'gate inconclusive after 60 min: error-rate (3 samples)' } });
    expect(result.assignments).toEqual([]);
  });

  it('turns silent devices into timed-out at the deadline and halts when the step cannot succeed', () => {
    const first = reconcile(rollout, start, [], obs(fleet(), 0));
    const state = apply(fleet(), first, (id) => (id === 'c1' ? { phase: 'serving' } : null));
    const offline = state.devices.map((d) => (d.id === 'c3' ? { ...d, online: false } : d));
    const waiting = reconcile(rollout, first.status, state.members, obs(offline, 10));
    expect(waiting.members.map((m) => m.status)).toEqual(['serving', 'pending', 'offline']);
    const late = reconcile(rollout, waiting.status, waiting.members, obs(offline, 31));
    expect(late.status).toMatchObject({ state: 'rolled-back', halt: { reason: '0 failed and 2 timed-out of 3 devices exceed the error threshold of 10%', evidence: { counts: { serving: 1, timedOut: 2 } } } });
    expect(late.members.map((m) => m.status)).toEqual(['reverting', 'reverting', 'reverting']);
  });

  it('lets go of a device someone pinned elsewhere, and does nothing while paused', () => {
    const first = reconcile(rollout, start, [], obs(fleet(), 0));
    const state = apply(fleet(), first, () => null);
    const pinned = state.devices.map((d) => (d.id === 'c3' ? { ...d, assignment: { model: 'm', version: '3', seq: 99 } } : d));
    expect(reconcile(rollout, first.status, state.members, obs(pinned, 1)).members.find((m) => m.deviceId === 'c3')).toMatchObject({ status: 'detached', error: 're-pinned to m@3' });
    const paused = applyAction(first.status, state.members, 'pause', {}, at(1));
    if (!paused.ok) throw new Error(paused.message);
    const still = reconcile(rollout, paused.status, paused.members, obs([...state.devices, device('c4', 'canary')], 2));
    expect(still.assignments).toEqual([]);
    expect(still.status.state).toBe('paused');
  });
});

describe('manual actions', () => {
  const members: RolloutMember[] = [
    { deviceId: 'a', step: 0, mode: 'active', previous: OLD, assignedSeq: 3, assignedAt: at(0).toISOString(), status: 'serving', error: null },
    { deviceId: 'b', step: 0, mode: 'active', previous: null, assignedSeq: 3, assignedAt: at(0).toISOString(), status: 'serving', error: null },
  ];

  it('rolls back fast: every touched device that had a version goes back to it', () => {
    const result = applyAction(start, members, 'rollback', { reason: 'bad canary' }, at(1));
    expect(result).toMatchObject({ ok: true, status: { state: 'rolled-back', reverted: true }, assignments: [{ deviceId: 'a', ...OLD, reason: 'rollback' }] });
    if (!result.ok) throw new Error('expected ok');
    expect(result.members.map((m) => m.status)).toEqual(['reverting', 'kept']);
    expect(applyAction(result.status, result.members, 'rollback', {}, at(2))).toEqual({ ok: false, message: 'cannot rollback a rollout whose devices were already reverted (rollback applies to: running, paused, halted, completed, or aborted without revert)' });
  });

  it('aborts keeping or reverting, and refuses illegal transitions with what is allowed', () => {
    expect(applyAction(start, members, 'abort', {}, at(1))).toMatchObject({ ok: true, status: { state: 'aborted', reverted: false }, assignments: [] });
    expect(applyAction(start, members, 'abort', { revert: true }, at(1))).toMatchObject({ ok: true, status: { state: 'aborted', reverted: true }, assignments: [{ deviceId: 'a' }] });
    expect(applyAction(start, members, 'resume', {}, at(1))).toEqual({ ok: false, message: 'cannot resume a running rollout (resume applies to: paused, halted)' });
    expect(applyAction({ ...start, state: 'completed' }, members, 'pause', {}, at(1))).toEqual({ ok: false, message: 'cannot pause a completed rollout (pause applies to: running)' });
    expect(applyAction({ ...start, state: 'aborted' }, members, 'resume', {}, at(1))).toEqual({ ok: false, message: 'cannot resume an aborted rollout (resume applies to: paused, halted)' });
  });

  it('takes over the rollback target of devices a superseded rollout of the same version already moved', () => {
    const NEW = { model: 'm', version: '2' };
    // c1 got version 2 from the superseded rollout (seq 7); c2 was still on 1; c3 was pinned to 2 by hand.
    const devices = [
      device('c1', 'canary', { assignment: { ...NEW, seq: 7 }, reported: { seq: 7, phase: 'serving', active: NEW, error: null } }),
      device('c2', 'canary'),
      device('c3', 'canary', { assignment: { ...NEW, seq: 3 }, reported: { seq: 3, phase: 'serving', active: NEW, error: null } }),
    ];
    const result = reconcile(rollout, start, [], obs(devices, 0, { inherited: new Map([['c1', OLD]]) }));
    expect(result.assignments.map((a) => a.deviceId)).toEqual(['c2']);
    expect(result.members.map((m) => [m.deviceId, m.previous, m.assignedSeq, m.status])).toEqual([
      ['c1', OLD, 7, 'pending'],
      ['c2', OLD, null, 'pending'],
      ['c3', null, null, 'pending'],
    ]);
    // A rollback reverts c1 as well; c3, which this effort never moved, is kept.
    const rolledBack = applyAction(result.status, result.members, 'rollback', {}, at(1));
    expect(rolledBack.ok && rolledBack.assignments.map((a) => [a.deviceId, a.version])).toEqual([
      ['c1', '1'],
      ['c2', '1'],
    ]);
    // The superseded rollout's doc is the one c1 acts on: its failure there counts here (1 of 3
    // is over the 10% threshold) instead of waiting for the deadline as a pending device.
    const failing = devices.map((d) => (d.id === 'c1' ? { ...d, reported: { seq: 7, phase: 'serving', active: OLD, error: 'E_PROBE_FAILED' } } : d));
    expect(reconcile(rollout, result.status, result.members, obs(failing, 1)).status).toMatchObject({ state: 'rolled-back', halt: { reason: '1 failed and 0 timed-out of 3 devices exceed the error threshold of 10%' } });
  });
});

describe('shadow ring steps', () => {
  const shadowed: RolloutInput = {
    ...rollout,
    plan: rolloutPlanSchema.parse({
      steps: [
        { kind: 'ring', ring: 'canary', shadow: true },
        { kind: 'gate', metrics: [{ metric: 'shadow-agreement', min: 0.95 }] },
        { kind: 'ring', ring: 'canary' },
      ],
    }),
  };
  const withShadow = (devices: DeviceView[], ids: string[]): DeviceView[] => devices.map((d) => (ids.includes(d.id) && d.reported ? { ...d, reported: { ...d.reported, seq: (d.assignment?.seq ?? 0), shadow: { model: 'm', version: '2' } } } : d));

  it('runs the version beside the serving one, gates on agreement, then promotes the same devices', () => {
    const first = reconcile(shadowed, start, [], obs(fleet(), 0));
    // The devices keep serving version 1 and run version 2 as a shadow.
    expect(first.assignments).toEqual(['c1', 'c2', 'c3'].map((deviceId) => ({ deviceId, ...OLD, shadow: { model: 'm', version: '2' }, reason: 'rollout' })));
    expect(first.members.map((m) => [m.mode, m.previous])).toEqual([['shadow', OLD], ['shadow', OLD], ['shadow', OLD]]);
    const issued = apply(fleet(), { ...first, assignments: first.assignments.map((a) => ({ ...a, version: '1' })) }, () => null);
    const members = issued.members;
    // Not yet loaded: pending; loaded on all three: the step succeeds.
    expect(reconcile(shadowed, first.status, members, obs(issued.devices, 1)).status.step).toBe(0);
    const loaded = withShadow(issued.devices, ['c1', 'c2', 'c3']);
    const gate = reconcile(shadowed, first.status, members, obs(loaded, 2));
    expect(gate.status.step).toBe(1);
    expect(gate.members.map((m) => m.status)).toEqual(['serving', 'serving', 'serving']);
    const promoted = reconcile(shadowed, gate.status, gate.members, obs(loaded, 3, { gate: passGate }));
    expect(promoted.status.step).toBe(2);
    expect(promoted.assignments).toEqual(['c1', 'c2', 'c3'].map((deviceId) => ({ deviceId, model: 'm', version: '2', reason: 'rollout' })));
    expect(promoted.members.map((m) => [m.mode, m.previous, m.status])).toEqual([
      ['active', OLD, 'pending'],
      ['active', OLD, 'pending'],
      ['active', OLD, 'pending'],
    ]);
  });

  it('a failing agreement gate rolls the shadow devices back to their model without a shadow', () => {
    const first = reconcile(shadowed, start, [], obs(fleet(), 0));
    const issued = apply(fleet(), { ...first, assignments: first.assignments.map((a) => ({ ...a, version: '1' })) }, () => null);
    const gate = reconcile(shadowed, first.status, issued.members, obs(withShadow(issued.devices, ['c1', 'c2', 'c3']), 2));
    const failing: GateReport = { verdict: 'fail', metrics: [], failed: ['shadow-agreement (0.7 < min 0.95)'], inconclusive: [] };
    const halted = reconcile(shadowed, gate.status, gate.members, obs(issued.devices, 3, { gate: failing }));
    expect(halted.status.state).toBe('rolled-back');
    expect(halted.assignments).toEqual(['c1', 'c2', 'c3'].map((deviceId) => ({ deviceId, ...OLD, reason: 'rollback' })));
  });
});
