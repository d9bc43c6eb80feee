/**
 * The drift report's per-signal rows. The API documents the report's fixed fields and passes the
 * rest through (features, outputs, ood), so their shape is checked here before it is shown.
 */
export interface SignalRow {
  name: string;
  kind: string;
  verdict: string;
  n: number;
  adjustedPValue: number | null;
  statistics: Record<string, number>;
  evidence: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function rowOf(value: unknown): SignalRow | null {
  if (!isRecord(value) || typeof value.name !== 'string' || typeof value.verdict !== 'string') return null;
  const statistics: Record<string, number> = {};
  if (isRecord(value.statistics)) for (const [key, stat] of Object.entries(value.statistics)) if (typeof stat === 'number') statistics[key] = stat;
  return {
    name: value.name,
    kind: typeof value.kind === 'string' ? value.kind : '',
    verdict: value.verdict,
    n: typeof value.n === 'number' ? value.n : 0,
    adjustedPValue: typeof value.adjustedPValue === 'number' ? value.adjustedPValue : null,
    statistics,
    evidence: typeof value.evidence === 'string' ? value.evidence : '',
  };
}

/** Features, then outputs, then the OOD score, as the report lists them. */
export function signalRows(report: Record<string, unknown>): SignalRow[] {
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  return [...list(report.features), ...list(report.outputs), ...(report.ood ? [report.ood] : [])].map(rowOf).filter((row): row is SignalRow => row !== null);
}

/** The effect sizes worth a column, in this order, when the row has them. */
export const EFFECT_SIZES = ['psi', 'jensenShannon', 'meanShift'] as const;
