/** Readable views of datasets and their exploration summaries. Pure. */
import type { Dataset, DatasetDetail } from '../api-types';
import { bytes, keyValues, num, percent, table, time, shortTime } from '../output';

export function datasetsTable(datasets: readonly Dataset[], width: number): string[] {
  if (datasets.length === 0) return ['No datasets.'];
  return table(
    ['ID', 'NAME', 'ROWS', 'COLUMNS', 'SIZE', 'CREATED'],
    datasets.map((d) => [d.id.slice(0, 12), d.name, String(d.rows), String(d.columns.length), bytes(d.sizeBytes), shortTime(d.createdAt)]),
    { width, right: [2, 3, 4] },
  );
}

export function datasetView(d: Dataset, width: number): string[] {
  return keyValues(
    [
      ['id', d.id],
      ['name', d.name],
      ['rows', String(d.rows)],
      ['size', bytes(d.sizeBytes)],
      ['columns', d.columns.map((c) => `${c.name} (${c.kind})`).join(', ')],
      ['created', time(d.createdAt)],
    ],
    width,
  );
}

type ColumnSummary = DatasetDetail['summary']['columns'][number];

const MEASURE = { pearson: '|r|', correlationRatio: 'eta', cramersV: 'V' } as const;

function notes(c: ColumnSummary): string {
  const parts: string[] = [];
  if (c.association) parts.push(`${MEASURE[c.association.measure]} ${num(c.association.value, 2)}`);
  if (c.idLike) parts.push(`id-like (${c.idLike.reason})`);
  return parts.join(', ');
}

/** Numeric: mean and range; categorical: distinct values and the most frequent. */
function spread(c: ColumnSummary): [string, string] {
  if (c.kind === 'numeric') return [num(c.mean, 3), `${num(c.min, 3)}..${num(c.max, 3)}`];
  const top = c.top[0];
  return [`${c.distinct} values`, top ? `top ${top.value} (${top.count})` : '-'];
}

export function datasetDetailView(d: DatasetDetail, width: number): string[] {
  const { summary } = d;
  const lines = [
    ...keyValues(
      [
        ['id', d.id],
        ['name', d.name],
        ['rows', String(d.rows)],
        ['size', bytes(d.sizeBytes)],
        ['created', time(d.createdAt)],
      ],
      width,
    ),
    '',
    ...table(
      ['COLUMN', 'KIND', 'MISSING', 'MEAN', 'RANGE', 'NOTES'],
      summary.columns.map((c) => [c.name, c.kind, String(c.missing), ...spread(c), notes(c)]),
      { width, right: [2] },
    ),
  ];
  const target = summary.target;
  if (target) {
    lines.push('', `Target ${target.name} (${target.kind}), ${target.missing} missing`);
    if (target.classBalance) lines.push(...table(['CLASS', 'ROWS', 'SHARE'], target.classBalance.map((b) => [b.value, String(b.count), percent(b.fraction)]), { width, right: [1, 2] }));
  }
  return lines;
}
