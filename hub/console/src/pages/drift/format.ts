/** Numbers as the drift and alert pages print them. */

/** Integers whole, tiny values in exponent form, others to 3 significant digits. */
export function formatStat(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (Number.isInteger(value)) return String(value);
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(2);
  return String(Number(value.toPrecision(3)));
}

export const percent = (share: number | null | undefined, digits = 1): string => (share === null || share === undefined || !Number.isFinite(share) ? '—' : `${(share * 100).toFixed(digits)}%`);

/** An hour's start as the admin's local date and hour. */
export const hourLabel = (iso: string): string => new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
