/**
 * Shadow-mode totals (ROLLOUTS "Shadow"): the shadow sections of one candidate summed over
 * devices, serving versions and hours, and the figures a person or a gate reads from them. Pure.
 */
import { LATENCY_EDGES_MS, mergeShadow, type BinnedStats, type ShadowStats } from '@edgefleet/protocol';

export interface ShadowTotals {
  /** rows compared */
  n: number;
  /** rows on which the candidate agreed with the served answer */
  agree: number;
  /** agree / n; null before any comparison */
  agreement: number | null;
  /** failed shadow runs by code */
  errors: Record<string, number>;
  /** requests the devices could not compare (their shadow queue was full) */
  dropped: number;
  /** shadow run latency on LATENCY_EDGES_MS */
  latencyMs: BinnedStats;
  /** the 95th percentile of that latency (upper edge of its bin); null without runs */
  latencyP95Ms: number | null;
}

/** The sum of sections of one candidate; null when there are none. Throws on two candidates. */
export function sumShadow(sections: readonly ShadowStats[]): ShadowTotals | null {
  let sum: ShadowStats | undefined;
  for (const section of sections) sum = mergeShadow(sum, section);
  if (!sum) return null;
  return { n: sum.n, agree: sum.agree, agreement: sum.n > 0 ? sum.agree / sum.n : null, errors: sum.errors, dropped: sum.dropped, latencyMs: sum.latencyMs, latencyP95Ms: latencyQuantileMs(sum.latencyMs, 0.95) };
}

const CEILING_MS = LATENCY_EDGES_MS[LATENCY_EDGES_MS.length - 1] as number;

/**
 * The q-quantile of a latency histogram on LATENCY_EDGES_MS, read conservatively as the upper
 * edge of the bin it falls in (the rollout gate's latency-p95 reads the serving latency the same
 * way, so the two compare); past the last edge, the largest value seen. null when empty.
 */
export function latencyQuantileMs(latency: BinnedStats, q: number): number | null {
  const { counts, underflow, overflow } = latency;
  const total = underflow + overflow + counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = underflow;
  if (seen >= rank) return LATENCY_EDGES_MS[0] as number;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] as number;
    if (seen >= rank) return LATENCY_EDGES_MS[i + 1] ?? CEILING_MS;
  }
  return latency.max ?? CEILING_MS;
}
