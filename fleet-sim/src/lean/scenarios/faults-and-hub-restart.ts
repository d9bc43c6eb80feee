/**
 * Given a fleet on version 1, a few of them ("flaky") behind a proxy that corrupts downloads and
 * one ("slow") behind a link that drips until it is repaired at 6 s, when agents crash, a fifth
 * of the fleet goes offline for a while, every device is pinned to version 2 and the hub
 * restarts in the middle of it, then every healthy device serves 2 (the slow one once its link
 * is repaired and its install is retried), the flaky ones report E_HASH_MISMATCH and keep
 * serving 1, and the statistics windows of both versions reached the hub exactly once (nothing
 * lost across the outages, nothing counted twice). The hub restart goes through the caller's
 * `restartHub` callback.
 */
import { defineScenario, type ScenarioInput } from '../scenario';

export const faultsAndHubRestart = (options: { model: string; size?: number; statsIntervalS?: number; idPrefix?: string }): ScenarioInput => {
  const size = options.size ?? 20;
  const flaky = Math.max(1, Math.round(size / 10));
  const { model } = options;
  return defineScenario({
    name: `faults and a hub restart during a pin of ${size} devices`,
    given: {
      idPrefix: options.idPrefix ?? 'lean',
      fleet: [
        { ring: 'main', size: size - flaky - 1 },
        { ring: 'main', size: flaky, group: 'flaky' },
        { ring: 'main', size: 1, group: 'slow' },
      ],
      groups: { default: { rowsPerSecond: 10 }, flaky: { rowsPerSecond: 10 }, slow: { rowsPerSecond: 10 } },
      serving: { model, version: '1' },
      connect: { rampS: 1, withinS: 120 },
      lean: { statsIntervalS: options.statsIntervalS ?? 60, reconnectMs: 500, retry: { baseMs: 200, maxMs: 2_000, maxAttempts: 3 } },
    },
    when: [
      { atS: 0, label: 'corrupt', do: { kind: 'fault', select: { group: 'flaky' }, fault: 'corrupt-download' } },
      { atS: 0, label: 'drip', do: { kind: 'fault', select: { group: 'slow' }, fault: 'slow-download', slowS: 1 } },
      { atS: 0, label: 'crash', do: { kind: 'crash', select: { group: 'default', fraction: 0.1 }, downS: 1 } },
      { atS: 0, label: 'churn', do: { kind: 'churn', select: { group: 'default', fraction: 0.2 }, downS: 3, rampS: 1 } },
      { atS: 1, label: 'pin', do: { kind: 'pin', select: {}, model, version: '2' } },
      { atS: 2, label: 'hub-restart', do: { kind: 'restart-hub' } },
      { atS: 6, label: 'repair', do: { kind: 'fault', select: { group: 'slow' }, fault: 'none' } },
    ],
    then: [
      { kind: 'serving', model, version: '2', select: { group: 'default' }, withinS: 120 },
      { kind: 'serving', model, version: '2', select: { group: 'slow' }, withinS: 60 },
      { kind: 'error', code: 'E_HASH_MISMATCH', select: { group: 'flaky' }, withinS: 60 },
      { kind: 'serving', model, version: '1', select: { group: 'flaky' }, withinS: 10 },
      { kind: 'stats-exact', model, version: '1', withinS: 60 },
      { kind: 'stats-exact', model, version: '2', withinS: 60 },
      { kind: 'delay', after: 'hub-restart', of: 'desired', select: { group: 'default' }, p99MaxS: 60 },
    ],
  });
};
