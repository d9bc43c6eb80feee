/** Readable views of a version's statistics, drift, shadow results and accuracy. Pure. */
import type { Accuracy, Drift, Shadow, Stats } from '../api-types';
import { keyValues, num, percent, table, time } from '../output';

type Binned = NonNullable<Stats['merged']>['latencyMs'];
const requestsOf = (b: Binned): number => b.counts.reduce((s, c) => s + c, 0) + b.underflow + b.overflow;
const latencyText = (b: Binned): string => {
  const n = requestsOf(b) - b.missing;
  return n > 0 ? `mean ${num(b.sum / n, 2)} ms, max ${num(b.max, 2)} ms over ${n} requests` : '-';
};
const errorsText = (errors: Readonly<Record<string, number>>): string =>
  Object.entries(errors)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ') || 'none';

export function statsView(s: Stats, width: number): string[] {
  const m = s.merged;
  return keyValues(
    [
      ['range', `${time(s.from)} to ${time(s.to)}`],
      ['devices', String(s.devices)],
      ['windows', String(s.windows)],
      ['predictions', m ? String(m.n) : '0 (no statistics in the range)'],
      ...(m
        ? ([
            ['errors', errorsText(m.errors)],
            ['latency', latencyText(m.latencyMs)],
            ['features', String(m.features.length)],
            ['ood above p95', m.ood ? `${m.ood.aboveP95} (${percent(m.n > 0 ? m.ood.aboveP95 / m.n : null)})` : '-'],
            ['shadow', m.shadow ? `${m.shadow.model}@${m.shadow.version}: ${m.shadow.agree}/${m.shadow.n} agree` : '-'],
          ] as const)
        : []),
    ],
    width,
  );
}

type Signal = NonNullable<Drift['report']>['features'][number];
export function driftView(d: Drift, width: number): string[] {
  const head = keyValues(
    [
      ['verdict', d.verdict],
      ['range', `${time(d.from)} to ${time(d.to)}`],
      ['devices', `${d.devices} (${d.windows} windows)`],
    ],
    width,
  );
  const report = d.report;
  if (!report) return [...head, '', 'No statistics in the range: nothing to judge.'];
  const signals: Signal[] = [...report.features, ...report.outputs, ...(report.ood ? [report.ood] : [])];
  return [
    ...head,
    ...keyValues([['rows', String(report.n)], ['drifting', report.drifting.join(', ') || 'none'], ['warnings', report.warnings.join(', ') || 'none']], width),
    '',
    ...table(
      ['SIGNAL', 'KIND', 'VERDICT', 'N', 'P (ADJ)', 'EVIDENCE'],
      signals.map((s) => [s.name, s.kind, s.verdict, String(s.n), num(s.adjustedPValue, 4), s.evidence]),
      { width, right: [3, 4] },
    ),
  ];
}

export function shadowView(s: Shadow, width: number): string[] {
  const head = keyValues([['version', `${s.model}@${s.version} as a shadow`], ['range', `${time(s.from)} to ${time(s.to)}`]], width);
  const sh = s.shadow;
  if (!sh) return [...head, '', 'No device ran this version as a shadow in the range.'];
  return [
    ...head,
    ...keyValues(
      [
        ['compared', `${sh.n} rows, ${sh.agree} agree (${percent(sh.agreement)})`],
        ['errors', errorsText(sh.errors)],
        ['dropped', String(sh.dropped)],
        ['latency p95', sh.latencyP95Ms === null ? '-' : `${num(sh.latencyP95Ms, 2)} ms`],
        ['devices', `${sh.devices} (${sh.windows} windows)`],
      ],
      width,
    ),
    ...(s.against.length > 0 ? ['', ...table(['AGAINST', 'N', 'AGREE', 'AGREEMENT'], s.against.map((a) => [`${a.model}@${a.version}`, String(a.n), String(a.agree), percent(a.agreement)]), { width, right: [1, 2, 3] })] : []),
  ];
}

export function accuracyView(a: Accuracy, width: number): string[] {
  const quality: Array<readonly [string, string]> =
    a.task === 'classification'
      ? [['accuracy', a.accuracy === null ? '- (no labels)' : `${percent(a.accuracy, 2)} (${a.correct} of ${a.labelled})`]]
      : [
          ['mae', num(a.mae)],
          ['rmse', num(a.rmse)],
        ];
  const lines = keyValues([['version', `${a.model}@${a.version} (${a.task})`], ['labelled', String(a.labelled)], ...quality], width);
  if (a.devices.length > 0) {
    lines.push('', ...table(['DEVICE', 'LABELLED', a.task === 'classification' ? 'ACCURACY' : 'MAE'], a.devices.map((d) => [d.device, String(d.labelled), a.task === 'classification' ? percent(d.accuracy, 2) : num(d.mae)]), { width, right: [1, 2] }));
  }
  if (a.confusion && a.confusion.length > 0) {
    lines.push('', ...table(['PREDICTED', 'LABEL', 'COUNT'], a.confusion.slice(0, 20).map((c) => [c.predicted, c.label, String(c.count)]), { width, right: [2] }));
  }
  return lines;
}
