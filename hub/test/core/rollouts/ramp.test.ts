/**
 * Ramp-up of traffic (issue 17 item 4) in the pure rollout core: traffic steps load the new
 * version beside the old and let it answer a share of each device's requests; a later traffic
 * step raises the share, a full step switches over, a rollback drops the new version.
 */
import { describe, expect, it } from 'vitest';
import { reconcile, type DeviceView, type Observations, type RolloutInput, type RolloutMember, type RolloutStatus } from '../../../src/core/rollouts/controller';
import { planProblems, rolloutPlanSchema, trafficShareOf, type RolloutPlan } from '../../../src/core/rollouts/plan';
import { ringStepWarnings } from '../../../src/core/rollouts/step-coverage';

const T0 = Date.parse('2026-12-04T10:00:00.000Z');
const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);
const OLD = { model: 'm', version: '1' };
const NEW = { model: 'm', version: '2' };

const plan = (steps: unknown[]): RolloutPlan => rolloutPlanSchema.parse({ steps });
const ramp = plan([
  { kind: 'ring', ring: 'canary', traffic: 10 },
  { kind: 'ring', ring: 'canary', traffic: 50 },
  { kind: 'ring', ring: 'canary' },
]);
const rollout: RolloutInput = { id: 'r1', ...NEW, plan: ramp };
const device = (id: string, over: Partial<DeviceView> = {}): DeviceView => ({ id, ring: 'canary', tags: {}, online: true, assignment: { ...OLD, seq: 1 }, reported: { seq: 1, phase: 'serving', active: OLD, error: null }, ...over });
const status = (step: number): RolloutStatus => ({ state: 'running', step, stepStartedAt: at(0).toISOString(), advance: false, halt: null, reverted: false });
const obs = (devices: DeviceView[], minutes: number): Observations => ({ devices, gate: null, reportingDevices: 0, now: at(minutes) });
const issued = (members: readonly RolloutMember[]): RolloutMember[] => members.map((m) => ({ ...m, assignedSeq: m.assignedSeq ?? 10 }));

describe('ramp-up plans', () => {
  it('accepts rising traffic on the same ring, then the switch; refuses traffic that does not rise, and shadow with traffic', () => {
    expect(planProblems(ramp, ['canary'])).toEqual([]);
    expect(trafficShareOf(ramp, 0)).toBe(0.1);
    expect(trafficShareOf(ramp, 1)).toBe(0.5);
    expect(trafficShareOf(ramp, 2)).toBeUndefined();
    const falling = plan([{ kind: 'ring', ring: 'canary', traffic: 50 }, { kind: 'ring', ring: 'canary', traffic: 10 }]);
    expect(planProblems(falling, ['canary'])).toEqual([{ path: 'steps.1.traffic', message: expect.stringMatching(/already ran the new version beside the old at 50% of traffic: a later step must raise traffic or percent/) }]);
    const both = plan([{ kind: 'ring', ring: 'canary', traffic: 10, shadow: true }]);
    expect(planProblems(both, ['canary'])[0]).toMatchObject({ path: 'steps.0.traffic', message: expect.stringMatching(/drop "shadow"/) });
    expect(rolloutPlanSchema.safeParse({ steps: [{ kind: 'ring', ring: 'canary', traffic: 100 }] }).success).toBe(false);
    // A step raising the share of devices that joined earlier is not "a step that adds none".
    expect(ringStepWarnings(ramp, [{ id: 'c1', ring: 'canary', tags: {}, assignment: OLD }], NEW)).toEqual([]);
  });
});

describe('ramp-up in the controller', () => {
  it('sends the new version beside the old at 10%, raises it to 50%, switches over, each device one doc per pass', () => {
    const devices = [device('c1'), device('c2')];
    const first = reconcile(rollout, status(0), [], obs(devices, 0));
    expect(first.assignments).toEqual([
      { deviceId: 'c1', ...OLD, shadow: NEW, trafficShare: 0.1, reason: 'rollout' },
      { deviceId: 'c2', ...OLD, shadow: NEW, trafficShare: 0.1, reason: 'rollout' },
    ]);
    expect(first.members.every((m) => m.mode === 'shadow' && m.step === 0)).toBe(true);
    // Serving the old version with the new one loaded beside it: the members count as serving,
    // the 10% step is done, and the 50% step raises their share in the same pass.
    const running = devices.map((d) => ({ ...d, reported: { seq: 11, phase: 'serving', active: OLD, error: null, shadow: NEW } }));
    const raised = reconcile(rollout, status(0), issued(first.members), obs(running, 1));
    expect(raised.status.step).toBe(1);
    expect(raised.assignments).toEqual([
      { deviceId: 'c1', ...OLD, shadow: NEW, trafficShare: 0.5, reason: 'rollout' },
      { deviceId: 'c2', ...OLD, shadow: NEW, trafficShare: 0.5, reason: 'rollout' },
    ]);
    expect(raised.members.map((m) => [m.mode, m.step, m.assignedSeq, m.status])).toEqual([
      ['shadow', 1, null, 'pending'],
      ['shadow', 1, null, 'pending'],
    ]);
    // Once issued, running again asks for nothing more (the 10% step never lowers it back) until they run the 50% doc.
    const waiting = reconcile(rollout, raised.status, issued(raised.members), obs(devices, 2));
    expect(waiting.assignments).toEqual([]);
    expect(waiting.status.step).toBe(1);

    const switched = reconcile(rollout, raised.status, issued(raised.members), obs(running, 3));
    expect(switched.status.step).toBe(2);
    expect(switched.assignments).toEqual([
      { deviceId: 'c1', ...NEW, reason: 'rollout' },
      { deviceId: 'c2', ...NEW, reason: 'rollout' },
    ]);
    expect(switched.members.map((m) => m.mode)).toEqual(['active', 'active']);

    // A device enrolled once the plan is at 100% joins at 10%, is raised and switched in the same pass: one doc.
    const late = reconcile(rollout, status(2), issued(switched.members), obs([...running, device('c3')], 5));
    expect(late.assignments).toEqual([{ deviceId: 'c3', ...NEW, reason: 'rollout' }]);
  });

  it('a ramp-up member asked for again (its doc never issued) gets its own step share; a rollback drops the new version', () => {
    const first = reconcile(rollout, status(1), [], obs([device('c1')], 0));
    expect(first.assignments).toEqual([{ deviceId: 'c1', ...OLD, shadow: NEW, trafficShare: 0.5, reason: 'rollout' }]);
    // The hub stopped before issuing: the next pass asks again, at the member's step share.
    const again = reconcile(rollout, status(1), first.members, obs([device('c1')], 1));
    expect(again.assignments).toEqual([{ deviceId: 'c1', ...OLD, shadow: NEW, trafficShare: 0.5, reason: 'rollout' }]);
    const gated: RolloutInput = { ...rollout, plan: plan([{ kind: 'ring', ring: 'canary', traffic: 10 }, { kind: 'gate', metrics: [{ metric: 'error-rate', maxVsControl: 2 }] }]) };
    const running = [device('c1', { reported: { seq: 12, phase: 'serving', active: OLD, error: null, shadow: NEW } })];
    const failing = { verdict: 'fail' as const, metrics: [], failed: ['error-rate'], inconclusive: [] };
    const halted = reconcile(gated, status(1), issued(first.members), { ...obs(running, 2), gate: failing });
    expect(halted.status.state).toBe('rolled-back');
    expect(halted.assignments).toEqual([{ deviceId: 'c1', ...OLD, reason: 'rollback' }]);
  });
});
