/**
 * The demo's rollout plan: the canary ring, bake, gate, half the fleet, bake, gate, everyone.
 * ROLLOUTS.md's shape with demo timings (seconds instead of the default plan's half hours).
 * The type comes from the hub's plan module so a plan the hub would refuse does not compile;
 * the hub validates it again on POST /api/v1/rollouts.
 */
import type { RolloutPlanInput } from '../../../hub/src/core/rollouts/plan';
import { AGENT_TAGS } from './fleet';

/**
 * The gate between widening steps. Differences from the hub's default gate, and why:
 * - `input-drift` as well as `prediction-drift`: the `--bad` version is trained on miscalibrated
 *   readings, which shows first in the inputs against its reference;
 * - latency only against an absolute 250 ms: every agent shares this one process and event
 *   loop, so the p95 of sub-millisecond model runs measures the loop's queue (10-25 ms with 30
 *   devices on 2 cores, more with --devices 200) and swings between histogram bins with load; a
 *   ratio to the control group, or a tight bound, would fail at random;
 * - `minRequests` (default 100, as the hub's) before error rate and latency count (they are
 *   per request), 300 rows before the OOD rate counts: a ratio of two rates of ~5% on 100 rows
 *   is noisy, and the controller looks again every 2 s;
 * - no inconclusive metric tolerated, but a 2 minute deadline: the gate waits for data rather
 *   than passing without it, and a demo never hangs.
 */
export const DEFAULT_MIN_REQUESTS = 100;

export const demoGate = (minRequests: number): RolloutPlanInput['steps'][number] => ({
  kind: 'gate',
  metrics: [
    { metric: 'install-success', min: 0.9 },
    { metric: 'error-rate', max: 0.05, maxVsControl: 2, minSamples: minRequests },
    { metric: 'latency-p95', max: 250, minSamples: minRequests },
    { metric: 'input-drift' },
    { metric: 'prediction-drift' },
    { metric: 'ood-rate', maxVsControl: 2, minSamples: 300 },
  ],
  maxFailed: 0,
  maxInconclusive: 0,
  deadlineMinutes: 2,
});

/** `minRequests`: requests on the new version before its error rate and latency are judged. */
export function demoPlan(bakeS: number, minRequests = DEFAULT_MIN_REQUESTS): RolloutPlanInput {
  const bake = { kind: 'bake' as const, minutes: bakeS / 60, minReporting: 1 };
  // Installs of a small model take a second or two; a device not serving within 2 min is timed out.
  // Agents only (by their tags): a `*` step would otherwise also take in the browsers of ring
  // `web` that have no model yet (a page that just enrolled), and send them machine-health.
  const ring = (ring: string, percent: number) => ({ kind: 'ring' as const, ring, tags: { ...AGENT_TAGS }, percent, successThreshold: 0.9, maxFailures: 0.1, deadlineMinutes: 2 });
  return {
    steps: [ring('canary', 100), bake, demoGate(minRequests), ring('*', 50), bake, demoGate(minRequests), ring('*', 100)],
    autoRollback: true,
  };
}
