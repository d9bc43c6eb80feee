/**
 * Ring steps that take no device (issue 15): each reason is named (empty ring, tags nobody has,
 * a percentage that selects nobody, devices on other models, devices an earlier step took), and
 * the controller records an event when it passes such a step instead of a silent `devices: {}`.
 */
import { describe, expect, it } from 'vitest';
import { reconcile, type DeviceView, type RolloutStatus } from '../../../src/core/rollouts/controller';
import { rolloutPlanSchema, stableBucket, type RingStep } from '../../../src/core/rollouts/plan';
import { emptyStepReason, ringStepWarnings, type CoverageDevice } from '../../../src/core/rollouts/step-coverage';

const TARGET = { model: 'm', version: '2' };
const ring = (over: Partial<RingStep>): RingStep => ({ kind: 'ring', ring: 'canary', percent: 100, successThreshold: 0.9, maxFailures: 0.1, deadlineMinutes: 60, shadow: false, ...over });
const device = (id: string, ringName: string, over: Partial<CoverageDevice> = {}): CoverageDevice => ({ id, ring: ringName, tags: {}, assignment: { model: 'm', version: '1' }, ...over });
const fleet: CoverageDevice[] = [device('c1', 'canary', { tags: { site: 'a' } }), device('c2', 'canary'), device('m1', 'main'), device('x1', 'other', { assignment: { model: 'x', version: '9' } })];

describe('ring step coverage', () => {
  it('is null for a step that takes a device', () => {
    expect(emptyStepReason(ring({}), fleet, TARGET)).toBeNull();
    expect(emptyStepReason(ring({ ring: '*', percent: 100 }), fleet, TARGET)).toBeNull();
  });

  it('names an empty ring, and how devices join it', () => {
    expect(emptyStepReason(ring({ ring: 'lab' }), fleet, TARGET)).toBe('ring "lab" has no devices yet: devices join it on enrolment ("ring": "lab") or with PATCH /api/v1/devices/{id} {"ring": "lab"} (edgefleet devices set-ring <id> lab)');
    expect(emptyStepReason(ring({ ring: '*' }), [], TARGET)).toBe('the fleet has no devices yet');
  });

  it('names tags nobody in the ring has', () => {
    expect(emptyStepReason(ring({ tags: { site: 'b' } }), fleet, TARGET)).toBe('none of the 2 devices of ring "canary" has the tags site=b');
    expect(emptyStepReason(ring({ tags: { site: 'a' } }), fleet, TARGET)).toBeNull();
  });

  it('names a percentage whose stable hash selects none of the ring', () => {
    // 0.01% keeps only stable bucket 0: none of these ids is in it.
    expect([stableBucket('c1'), stableBucket('c2')]).not.toContain(0);
    expect(emptyStepReason(ring({ percent: 0.01 }), fleet, TARGET)).toBe('0.01% of the 2 devices of ring "canary" selects none of them (a stable hash of the device id chooses): raise percent');
  });

  it('names devices that serve other models, and shadow steps with nothing to run beside', () => {
    expect(emptyStepReason(ring({ ring: 'other' }), fleet, TARGET)).toBe('its 1 device serves another model than m');
    expect(emptyStepReason(ring({ ring: 'canary', shadow: true }), fleet.map((d) => ({ ...d, assignment: null })), TARGET)).toBe('none of its 2 devices serves another version of m to run 2 beside');
  });

  it('plays the steps in order: a step whose devices an earlier one took adds none', () => {
    const plan = rolloutPlanSchema.parse({ steps: [{ kind: 'ring', ring: '*' }, { kind: 'bake', minutes: 1 }, { kind: 'ring', ring: 'canary' }, { kind: 'ring', ring: 'lab' }] });
    expect(ringStepWarnings(plan, fleet, TARGET)).toEqual([
      { step: 2, path: 'plan.steps.2', message: 'ring step 3 (ring "canary", 100%) takes no device: its 2 devices already joined at earlier steps: the step adds none' },
      { step: 3, path: 'plan.steps.3', message: expect.stringContaining('ring step 4 (ring "lab", 100%) takes no device: ring "lab" has no devices yet') },
    ]);
    // From a later step on, with members already in: only those steps are named.
    expect(ringStepWarnings(plan, fleet, TARGET, { from: 3, members: new Set(['c1', 'c2', 'm1']) }).map((w) => w.step)).toEqual([3]);
  });
});

describe('the controller passing a ring step that takes no device', () => {
  const view = (id: string, ringName: string): DeviceView => ({ id, ring: ringName, tags: {}, online: true, assignment: { model: 'm', version: '1', seq: 1 }, reported: { seq: 1, phase: 'serving', active: { model: 'm', version: '1' }, error: null } });
  const plan = rolloutPlanSchema.parse({ steps: [{ kind: 'ring', ring: 'lab' }, { kind: 'ring', ring: 'canary' }] });
  const start: RolloutStatus = { state: 'running', step: 0, stepStartedAt: '2026-11-25T10:00:00.000Z', advance: false, halt: null, reverted: false };

  it('records rollout.step.empty with the reason, then goes on', () => {
    const result = reconcile({ id: 'r', ...TARGET, plan }, start, [], { devices: [view('c1', 'canary')], gate: null, reportingDevices: 0, now: new Date('2026-11-25T10:00:01.000Z') });
    const empty = result.events.find((e) => e.action === 'rollout.step.empty');
    expect(empty).toEqual({
      action: 'rollout.step.empty',
      details: { step: 0, ring: 'lab', percent: 100, reason: expect.stringContaining('ring "lab" has no devices yet'), warning: expect.stringMatching(/^ring step 1 \(ring "lab", 100%\) takes no device: /) },
      notify: false,
    });
    expect(result.status.step).toBe(1);
    expect(result.members.map((m) => [m.deviceId, m.step])).toEqual([['c1', 1]]);
    // A step that took devices records nothing of the kind.
    expect(result.events.filter((e) => e.action === 'rollout.step.empty')).toHaveLength(1);
  });
});
