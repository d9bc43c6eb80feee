/**
 * Given a canary ring and a main ring serving version 1 of a classifier, when the canary's
 * vibration sensor drifts 3 sds, version 2 rolls out (canary, then everyone) and, once it has
 * completed, the operator rolls it back, then every device serves 1 again (from what it kept: no
 * download), the rollout is rolled back, every statistics window of version 1 reached the hub
 * exactly once, and the hub's drift route sees the drift on the canary and nothing on main.
 * `size` scales the fleet (tests: 20; a benchmark: thousands).
 */
import { defineScenario, type ScenarioInput } from '../scenario';

export const driftRolloutRollback = (options: { model: string; size?: number; statsIntervalS?: number; idPrefix?: string }): ScenarioInput => {
  const size = options.size ?? 20;
  const canary = Math.max(2, Math.round(size / 5));
  const { model } = options;
  return defineScenario({
    name: `drift on the canary, a rollout to ${size} devices and its rollback`,
    given: {
      idPrefix: options.idPrefix ?? 'lean',
      fleet: [
        { ring: 'canary', size: canary, tags: { site: 'plant-a' } },
        { ring: 'main', size: size - canary, tags: { site: 'plant-b' } },
      ],
      // Inputs drawn from version 1's reference profile, 20 predictions a second per device.
      groups: { default: { rowsPerSecond: 20 } },
      serving: { model, version: '1' },
      connect: { rampS: 2, withinS: 120 },
      lean: { statsIntervalS: options.statsIntervalS ?? 60 },
    },
    when: [
      { atS: 0, label: 'drift', do: { kind: 'drift', select: { ring: 'canary' }, drift: { feature: 'vibration', meanShiftSds: 3 } } },
      // The drifted windows are out before version 2 takes over.
      { atS: 3, label: 'flush', do: { kind: 'flush-stats' } },
      { atS: 4, label: 'rollout', do: { kind: 'rollout', model, version: '2', plan: { steps: [{ kind: 'ring', ring: 'canary' }, { kind: 'ring', ring: '*' }] } } },
      { atS: 4, label: 'rollback', waitFor: { kind: 'rollout', state: 'completed', withinS: 120 }, do: { kind: 'rollback', reason: 'scenario: operator rolls back' } },
    ],
    then: [
      { kind: 'serving', model, version: '1', withinS: 120 },
      { kind: 'rollout', state: 'rolled-back', withinS: 30 },
      { kind: 'stats-exact', model, version: '1', withinS: 60 },
      { kind: 'stats-exact', model, version: '2', withinS: 60 },
      { kind: 'drift', model, version: '1', ring: 'canary', drifting: ['vibration'], withinS: 30 },
      // Main's inputs never moved: no signal drifts there.
      { kind: 'drift', model, version: '1', ring: 'main', notDrifting: ['temperature', 'vibration', 'pressure', 'current', 'label', 'label confidence', 'ood'], withinS: 30 },
      { kind: 'delay', after: 'rollout', of: 'serving', p99MaxS: 60 },
      { kind: 'delay', after: 'rollback', of: 'serving', p99MaxS: 30 },
    ],
  });
};
