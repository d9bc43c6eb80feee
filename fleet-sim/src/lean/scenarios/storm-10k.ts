/**
 * The fleet-scale benchmark of issue 10: given 10,000 lean devices (500 canary, 9,500 main) on
 * version 1, when version 2 rolls out (canary, then everyone), then every device reconnects at
 * once, then the hub restarts; then every device serves 2 and no statistics window was lost or
 * counted twice. The report's step timings answer "p50/p99 until each device has its desired
 * doc" and "until serving" after the rollout, the storm and the restart. Spread over 5
 * processes of 2,000 devices (one socket each: below the 20,000 open files per process).
 */
import { defineScenario, type ScenarioInput } from '../scenario';

export const storm10k = (options: { model: string; size?: number }): ScenarioInput => {
  const size = options.size ?? 10_000;
  const canary = Math.round(size / 20);
  const { model } = options;
  return defineScenario({
    name: `rollout, reconnect storm and hub restart at ${size} devices`,
    given: {
      fleet: [
        { ring: 'canary', size: canary },
        { ring: 'main', size: size - canary },
      ],
      groups: { default: { rowsPerSecond: 1 } },
      serving: { model, version: '1' },
      connect: { rampS: 60, withinS: 1_800 },
      devicesPerProcess: 2_000,
      concurrency: 32,
    },
    when: [
      { atS: 0, label: 'rollout', do: { kind: 'rollout', model, version: '2', plan: { steps: [{ kind: 'ring', ring: 'canary' }, { kind: 'ring', ring: '*' }] } } },
      { atS: 0, label: 'storm', waitFor: { kind: 'rollout', state: 'completed', withinS: 1_800 }, do: { kind: 'reconnect-storm', select: {}, rampS: 0 } },
      { atS: 0, label: 'hub-restart', waitFor: { kind: 'connected', select: {}, withinS: 1_800 }, do: { kind: 'restart-hub' } },
    ],
    then: [
      { kind: 'connected', select: {}, withinS: 1_800 },
      { kind: 'serving', model, version: '2', withinS: 600 },
      { kind: 'stats-exact', model, version: '1', withinS: 600 },
      { kind: 'stats-exact', model, version: '2', withinS: 600 },
    ],
  });
};
