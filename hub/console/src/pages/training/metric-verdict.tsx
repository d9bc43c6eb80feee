/** A run's judged metric: its test value beside the baseline's, and the verdict in words (not colour alone). */
import { formatNumber, type RunSummary } from './types';

export function MetricVerdict({ metric }: { metric: RunSummary['metric'] }) {
  if (metric.value === null) return <span class="muted">{metric.name}: —</span>;
  return (
    <span class="training-verdict">
      {metric.name} <strong class="num">{formatNumber(metric.value)}</strong>
      {metric.baseline !== null ? <span class="muted"> vs baseline {formatNumber(metric.baseline)}</span> : null}
      {metric.beatsBaseline === null ? null : metric.beatsBaseline ? <span class="badge tone-good">beats baseline</span> : <span class="badge tone-bad">below baseline</span>}
    </span>
  );
}
