/** Plain-text tables for the benchmark, each figure beside its goal and a pass/miss mark. */

export interface Goal {
  text: string;
  met: boolean;
}

export const goal = (text: string, met: boolean): Goal => ({ text, met });

const pad = (value: string, width: number): string => (value.length >= width ? value : value + ' '.repeat(width - value.length));

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((cell, i) => pad(cell, widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const withGoal = (value: string, target?: Goal): string => (target ? `${value} (${target.text} ${target.met ? 'ok' : 'MISS'})` : value);

export const fixed = (value: number, digits: number): string => value.toFixed(digits);
export const micros = (value: number): string => `${value.toFixed(0)} us`;
export const speedup = (fp32: number, int8: number): number => fp32 / int8;
