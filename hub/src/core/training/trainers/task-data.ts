/**
 * Checks and derived values every trainer needs from its TrainData: shapes agree, targets are
 * the right type, the standardisation of a regression target.
 */
import { invalidData } from '../training-error';
import type { EncodedData } from '../types';
import type { TrainData } from './trainer';

export function checkShapes(data: TrainData): void {
  for (const [name, set] of [['train', data.train], ['validation', data.validation]] as const) {
    if (set.x.length !== set.rows * set.width) throw invalidData(`${name}: x has ${set.x.length} values, expected ${set.rows} x ${set.width}`);
    if (set.width !== data.train.width) throw invalidData(`${name}: width ${set.width} differs from train width ${data.train.width}`);
    if (set.y !== undefined && set.y.length !== set.rows) throw invalidData(`${name}: y has ${set.y.length} values for ${set.rows} rows`);
    if (set.weights !== undefined && set.weights.length !== set.rows) throw invalidData(`${name}: weights has ${set.weights.length} values for ${set.rows} rows`);
  }
  if (data.train.rows === 0) throw invalidData('no training rows');
}

export function classLabels(set: EncodedData, classes: number, name: string): Int32Array {
  const y = set.y;
  if (!(y instanceof Int32Array)) throw invalidData(`${name}: classification needs Int32Array class indices`);
  for (const c of y) if (c < 0 || c >= classes) throw invalidData(`${name}: class index ${c} outside 0..${classes - 1}`, { index: c });
  return y;
}

export function regressionTargets(set: EncodedData, name: string): Float32Array {
  const y = set.y;
  if (!(y instanceof Float32Array)) throw invalidData(`${name}: regression needs Float32Array targets`);
  for (const v of y) if (!Number.isFinite(v)) throw invalidData(`${name}: regression targets must be finite`);
  return y;
}

/** Weighted mean and population sd of the target (sd 0 -> 1), rounded to float32 like the graph's constants. */
export function targetScale(y: Float32Array, weights?: Float32Array): { targetMean: number; targetSd: number } {
  let sw = 0;
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const w = weights?.[i] ?? 1;
    sw += w;
    s += w * (y[i] as number);
  }
  const mean = sw > 0 ? s / sw : 0;
  let ss = 0;
  for (let i = 0; i < y.length; i++) ss += (weights?.[i] ?? 1) * ((y[i] as number) - mean) ** 2;
  const sd = Math.fround(sw > 0 ? Math.sqrt(ss / sw) : 0);
  return { targetMean: Math.fround(mean), targetSd: sd > 0 ? sd : 1 };
}

export const standardize = (y: Float32Array, scale: { targetMean: number; targetSd: number }): Float32Array =>
  Float32Array.from(y, (v) => (v - scale.targetMean) / scale.targetSd);
