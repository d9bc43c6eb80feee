/** How the models and datasets pages write sizes, ratios and measured numbers. */

/** 2_345_678 -> "2.35 MB" (decimal units, as file managers show them). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** A measured number with up to 4 significant digits; integers as they are. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Number(value.toPrecision(4)).toString();
}

/** `part / whole` as "0.27×". */
export function formatRatio(part: number, whole: number): string {
  if (whole === 0) return '—';
  return `${(part / whole).toFixed(2)}×`;
}

/** A signed difference: "+0.012", "−0.3". */
export function formatDifference(value: number): string {
  const text = formatNumber(Math.abs(value));
  return value > 0 ? `+${text}` : value < 0 ? `−${text}` : '0';
}

/** A fraction in [0, 1] as a percentage: 0.9312 -> "93.1 %". */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} %`;
}

/** A tensor shape: numbers, symbolic dims by name, and unnamed dynamic dims (recorded as '') as "?". */
export function formatShape(dims: ReadonlyArray<number | string>): string {
  return `[${dims.map((dim) => (dim === '' ? '?' : String(dim))).join(', ')}]`;
}
