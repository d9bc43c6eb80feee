/**
 * Symmetric int8 weight quantization, as onnxruntime's Python tool does it: q = rint(w / s) in
 * [-127, 127] (not -128, so the range is symmetric and s * q never overflows in int32 sums),
 * s = max|w| / 127 per tensor or per slice along `axis`, zero point 0.
 */
export interface SymmetricInt8 {
  values: Int8Array;
  /** One scale per tensor (length 1) or per slice along `axis`. */
  scales: Float32Array;
  axis: number | undefined;
  /** max |w - s * q| over the tensor: the rounding error actually introduced. */
  maxAbsError: number;
}

const QMAX = 127;

/** Round half to even, like numpy.rint (what the reference tool uses). */
export function rint(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export function quantizeSymmetric(data: Float32Array, dims: readonly number[], axis?: number): SymmetricInt8 {
  const channels = axis === undefined ? 1 : (dims[axis] ?? 1);
  const inner = axis === undefined ? data.length : dims.slice(axis + 1).reduce((n, d) => n * d, 1);
  const channelOf = (index: number): number => (axis === undefined ? 0 : Math.floor(index / inner) % channels);

  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) {
    const c = channelOf(i);
    maxAbs[c] = Math.max(maxAbs[c] ?? 0, Math.abs(data[i] ?? 0));
  }
  // An all-zero slice gets scale 1 (any scale represents zeros exactly; 0 would divide by zero).
  const scales = Float32Array.from(maxAbs, (m) => (m > 0 ? Math.fround(m / QMAX) : 1));

  const values = new Int8Array(data.length);
  let maxAbsError = 0;
  for (let i = 0; i < data.length; i++) {
    const scale = scales[channelOf(i)] ?? 1;
    const w = data[i] ?? 0;
    const q = Math.max(-QMAX, Math.min(QMAX, rint(w / scale)));
    values[i] = q;
    maxAbsError = Math.max(maxAbsError, Math.abs(w - q * scale));
  }
  return { values, scales, axis, maxAbsError };
}
