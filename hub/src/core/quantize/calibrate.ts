/**
 * Calibration ranges from observed activation values (pure: the adapter runs the model).
 * 'minmax' takes the extremes (onnxruntime's MinMax default); { percentile: p } clips both tails
 * at p and 100 - p percent, so a few outliers do not stretch the int8 grid (ORT's Percentile
 * calibrator, typically 99.999).
 */
import type { Range } from './activation-params';
import { QuantizeError } from './quantize-error';

export type CalibrationMethod = 'minmax' | { percentile: number };

export type CalibrationRanges = Record<string, Range>;

function minMax(chunks: readonly Float32Array[]): Range {
  let min = Infinity;
  let max = -Infinity;
  for (const chunk of chunks) {
    for (const value of chunk) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
  }
  return { min, max };
}

/** Linear-interpolated quantile of sorted values, q in [0, 1]. */
function quantile(sorted: Float32Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  const a = sorted[low] ?? 0;
  const b = sorted[high] ?? a;
  return a + (b - a) * (position - low);
}

function percentileRange(chunks: readonly Float32Array[], percentile: number): Range {
  const total = chunks.reduce((n, chunk) => n + chunk.length, 0);
  const all = new Float32Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  all.sort();
  return { min: quantile(all, 1 - percentile / 100), max: quantile(all, percentile / 100) };
}

/** One range per tensor; E_CALIBRATION when a tensor saw no finite values. */
export function rangesFrom(samples: Readonly<Record<string, readonly Float32Array[]>>, method: CalibrationMethod): CalibrationRanges {
  if (typeof method === 'object' && !(method.percentile > 50 && method.percentile <= 100)) {
    throw new QuantizeError('E_CALIBRATION', `percentile must be in (50, 100], got ${method.percentile}`);
  }
  const ranges: CalibrationRanges = {};
  for (const [tensor, chunks] of Object.entries(samples)) {
    const range = method === 'minmax' ? minMax(chunks) : percentileRange(chunks, method.percentile);
    if (!Number.isFinite(range.min) || !Number.isFinite(range.max)) {
      throw new QuantizeError('E_CALIBRATION', `calibration saw no finite values for ${tensor}`, { details: { tensor } });
    }
    ranges[tensor] = range;
  }
  return ranges;
}
