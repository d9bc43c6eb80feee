/**
 * Pure text formatting for the readable output: aligned tables and key/value lines that fit the
 * terminal width (80 columns unless told), and compact numbers, sizes, times and durations.
 */

export const DEFAULT_WIDTH = 80;
const ELLIPSIS = '…';

/** `text` cut to `width` characters, with an ellipsis when cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return width === 1 ? ELLIPSIS : `${text.slice(0, width - 1)}${ELLIPSIS}`;
}

/** Control characters from the hub's data (ids, messages) would move the cursor; shown escaped instead. */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\n' || c === '\t' ? ' ' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

export interface TableOptions {
  width?: number;
  /** indexes of right-aligned (numeric) columns */
  right?: readonly number[];
}

const GAP = 2;
const MIN_COLUMN = 3;

/**
 * Header and rows as aligned lines no wider than `width`: while too wide, the widest column
 * gives up a character (never below a few), and cells that no longer fit end in an ellipsis.
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], options: TableOptions = {}): string[] {
  const width = options.width ?? DEFAULT_WIDTH;
  const right = new Set(options.right ?? []);
  const cells = [headers, ...rows].map((row) => headers.map((_, i) => clean(row[i] ?? '')));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const total = (): number => widths.reduce((sum, w) => sum + w, 0) + GAP * (widths.length - 1);
  while (total() > width) {
    const widest = widths.indexOf(Math.max(...widths));
    if ((widths[widest] ?? 0) <= MIN_COLUMN) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  return cells.map((row) =>
    row
      .map((cell, i) => {
        const w = widths[i] ?? 0;
        const text = truncate(cell, w);
        if (right.has(i)) return text.padStart(w);
        return i === row.length - 1 ? text : text.padEnd(w);
      })
      .join(' '.repeat(GAP))
      .trimEnd(),
  );
}

/** `key  value` lines with the values aligned, each cut to `width`. */
export function keyValues(pairs: readonly (readonly [string, string])[], width = DEFAULT_WIDTH): string[] {
  const keyWidth = Math.max(0, ...pairs.map(([key]) => key.length));
  return pairs.map(([key, value]) => truncate(`${key.padEnd(keyWidth)}  ${clean(value)}`, width).trimEnd());
}

/**
 * Prose in lines of at most `width` (words longer than a line are cut), every line after the
 * first indented by `indent` spaces: a warning that reads whole on an 80-column terminal.
 */
export function wrap(text: string, width = DEFAULT_WIDTH, indent = 2): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of clean(text).split(/ +/).filter((w) => w !== '')) {
    const room = width - (lines.length === 0 ? 0 : indent);
    if (current === '') current = truncate(word, room);
    else if (current.length + 1 + word.length <= room) current = `${current} ${word}`;
    else {
      lines.push(current);
      current = truncate(word, width - indent);
    }
  }
  if (current !== '' || lines.length === 0) lines.push(current);
  return lines.map((l, i) => (i === 0 ? l : `${' '.repeat(indent)}${l}`));
}

/** A line cut to `width`. */
export const line = (text: string, width = DEFAULT_WIDTH): string => truncate(clean(text), width);

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

/** A number with at most `digits` decimals and no trailing zeros; '-' for null or undefined. */
export function num(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return '-';
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(digits)));
}

export function percent(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '-';
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** An ISO time without milliseconds, with a space for the T: `2026-11-25 10:05:03Z`. */
export function time(iso: string | null | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/\.\d+(Z|[+-]\d\d:\d\d)$/, '$1');
}

/** A compact UTC time for table cells: `12-04 13:44`. */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  const match = /^\d{4}-(\d\d-\d\d)T(\d\d:\d\d)/.exec(iso);
  return match ? `${match[1]} ${match[2]}` : iso;
}

/** The time of day of an ISO time, UTC: `13:44:17`. */
export const clock = (iso: string): string => /T(\d\d:\d\d:\d\d)/.exec(iso)?.[1] ?? iso;

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** `{ serving: 3, pending: 1 }` as `serving 3, pending 1` (zero counts left out); `none` when empty. */
export function counts(record: Readonly<Record<string, number>> | undefined): string {
  const parts = Object.entries(record ?? {})
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

export const tags = (record: Readonly<Record<string, string>>): string =>
  Object.entries(record)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
