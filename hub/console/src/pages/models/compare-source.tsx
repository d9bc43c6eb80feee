/**
 * A derived version beside the version it came from (its lineage parent): size with the ratio,
 * and each measured number on both sides. A quantized version carries both sides of its own
 * measurement (the quantizer ran fp32 and int8 on the same rows: `accuracy` beside
 * `sourceAccuracy`, ...); a retrained one is compared with its parent's recorded metrics.
 */
import { Link } from 'wouter-preact';
import { formatBytes, formatDifference, formatNumber, formatRatio } from './format';
import { versionHref, type VersionDetail } from './models-api';

interface Row {
  name: string;
  source: number | undefined;
  derived: number | undefined;
  /** ratios for sizes and latencies, differences for quality metrics */
  change: 'ratio' | 'difference';
}

const SOURCE_PREFIX = 'source';
const isRatioMetric = (name: string): boolean => name === 'size' || name.toLowerCase().startsWith('latency');
/** Written by the quantizer as outcomes of the comparison itself, not as one side of it. */
const OWN_ONLY = new Set(['size', 'sizeRatio', 'agreement']);

function metricRows(detail: VersionDetail, parent: VersionDetail): Row[] {
  const own = detail.manifest.lineage.metrics ?? {};
  const quantized = detail.manifest.quantization !== 'none';
  const rows: Row[] = [];
  if (quantized) {
    for (const [name, value] of Object.entries(own)) {
      if (OWN_ONLY.has(name) || name.startsWith(SOURCE_PREFIX)) continue;
      const sourceName = `${SOURCE_PREFIX}${name.charAt(0).toUpperCase()}${name.slice(1)}`;
      rows.push({ name, source: own[sourceName], derived: value, change: isRatioMetric(name) ? 'ratio' : 'difference' });
    }
    return rows;
  }
  const before = parent.manifest.lineage.metrics ?? {};
  for (const name of new Set([...Object.keys(before), ...Object.keys(own)])) rows.push({ name, source: before[name], derived: own[name], change: isRatioMetric(name) ? 'ratio' : 'difference' });
  return rows;
}

function Change({ row }: { row: Row }) {
  if (row.source === undefined || row.derived === undefined) return <span class="muted">—</span>;
  return <>{row.change === 'ratio' ? formatRatio(row.derived, row.source) : formatDifference(row.derived - row.source)}</>;
}

export function CompareSource({ detail, parent }: { detail: VersionDetail; parent: VersionDetail }) {
  const rows = metricRows(detail, parent);
  const agreement = detail.manifest.quantization !== 'none' ? detail.manifest.lineage.metrics?.agreement : undefined;
  const parentLabel = `${parent.model}@${parent.version}`;
  return (
    <section aria-labelledby="compare-title">
      <h2 id="compare-title">Beside its source</h2>
      <table aria-label={`${detail.model}@${detail.version} beside ${parentLabel}`}>
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col" class="num">
              <Link href={versionHref(parent.model, parent.version)}>{parentLabel}</Link> (source)
            </th>
            <th scope="col" class="num">
              {detail.model}@{detail.version}
            </th>
            <th scope="col" class="num">Change</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">size</th>
            <td class="num" title={`${parent.size} bytes`}>{formatBytes(parent.size)}</td>
            <td class="num" title={`${detail.size} bytes`}>{formatBytes(detail.size)}</td>
            <td class="num">{formatRatio(detail.size, parent.size)}</td>
          </tr>
          {rows.map((row) => (
            <tr key={row.name}>
              <th scope="row">{row.name}</th>
              <td class="num">{formatNumber(row.source)}</td>
              <td class="num">{formatNumber(row.derived)}</td>
              <td class="num">
                <Change row={row} />
              </td>
            </tr>
          ))}
          {agreement !== undefined ? (
            <tr>
              <th scope="row">agreement with the source</th>
              <td class="num muted">—</td>
              <td class="num">{formatNumber(agreement)}</td>
              <td class="num muted">—</td>
            </tr>
          ) : null}
        </tbody>
      </table>
      <p class="hint">Change: the ratio derived ÷ source for size and latency, the difference derived − source for the other measures.</p>
    </section>
  );
}
