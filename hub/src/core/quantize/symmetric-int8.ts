/**
 * Symmetric 8-bit weight quantization, as onnxruntime's Python tool does it: q = rint(w / s) in
 * [-qmax, qmax] (never -128, so the range is symmetric and s * q never overflows in int32 sums),
 * s = max|w| / qmax per tensor or per slice along `axis`; stored as one of three encodings
 * (`WeightEncoding`), chosen by what will multiply the weight.
 *
 * Why not int8 everywhere: onnxruntime fuses our dynamic graphs (MatMulInteger ->
 * DynamicQuantizeMatMul) and static QDQ graphs (-> QLinearConv / QGemm / QLinearMatMul) into
 * integer kernels that multiply *uint8* activations by the weights (on x86 it turns int8 QDQ
 * activations into uint8 first). MLAS's u8s8 kernel on x86-64 CPUs with AVX2, or AVX512 without
 * VNNI, uses `vpmaddubsw`, which adds each adjacent pair of uint8 x int8 products into an int16
 * *with saturation*: with full-range int8 weights a pair reaches 2 * 255 * 127 = 64770, far
 * beyond 32767, and is silently clipped. VNNI (`vpdpbusd`), ARM (udot/sdot) and wasm kernels
 * accumulate in int32 and never saturate, so the damage depends on the device's CPU: on a
 * 2-core AMD EPYC (AVX2, no VNNI) a 784-512-10 MLP agreed with fp32 on 0.916 of rows in
 * onnxruntime-node where onnxruntime-web agreed on 0.994. Devices run on CPUs we do not know,
 * so the file itself has to be safe on all of them. Two known fixes (onnxruntime's docs):
 * - 7-bit weights, |q| <= 64 (`reduce_range`): 2 * 255 * 64 = 32640 fits; keeps the fast u8s8
 *   kernels but doubles the weight rounding step. Measured: that MLP's agreement dropped to
 *   0.986-0.988 (below our 0.99 goal) in every runtime.
 * - uint8 weights (U8U8): the same symmetric values shifted by 128 (q + 128 in [1, 255], zero
 *   point 128), so the integer results are exactly those of int8 without saturation on every
 *   CPU: onnxruntime's u8u8 kernels widen to int16 and multiply with `vpmaddwd` (int32 sums).
 *   The MLP's agreement is back to 0.994 in node and web alike. It costs speed on x86, not
 *   accuracy: on that EPYC the MNIST 784-512-10 at batch 64 took about 1.25x the CPU time of
 *   the (saturating) u8s8 kernels, still faster than fp32 (1.3x vs 1.6x, one thread, busy
 *   machine); VNNI CPUs likely lose more, as `vpdpbusd` takes uint8 x int8 only;
 *   onnxruntime-web ran both at the same speed.
 *   Convs, same EPYC, PaddleOCR's MobileNetV3 classifier (fleet-sim cnn-int8-bench.ts): uint8
 *   weights agreed with fp32 on 0.955 of text lines, full-range int8 on 0.72 (saturation), 7-bit
 *   on 0.93. uint8 weights also miss QLinearConv's symmetric fast path (MLAS ConvSym, fused
 *   requantization: signed weights with zero point 0 only), so their pointwise convs ran about
 *   1.25x the time of 7-bit ones, and neither beat float (fp32 NCHWc convs were as fast).
 * We use uint8 for integer kernels fed uint8 activations, 7-bit int8 for static QDQ with int8
 * activations (int8 x uint8 QDQ pairs do not fuse off x86), and full int8 where the weight is
 * only ever dequantized to float (weight-only: nothing integer to saturate).
 */
export interface SymmetricInt8 {
  values: Int8Array;
  /** One scale per tensor (length 1) or per slice along `axis`. */
  scales: Float32Array;
  axis: number | undefined;
  /** Every value lies in [-qmax, qmax]. */
  qmax: number;
  /** max |w - s * q| over the tensor: the rounding error actually introduced. */
  maxAbsError: number;
}

/**
 * - 'int8': int8 in [-127, 127], zero point 0. Only for weights dequantized to float before use.
 * - 'uint8': uint8 q + 128 in [1, 255], zero point 128: same precision as int8, and safe in
 *   every integer kernel (U8U8 with uint8 activations).
 * - 'int7': int8 in [-64, 64], zero point 0 (onnxruntime's `reduce_range`): safe in u8s8 and
 *   s8s8 kernels at half the precision; for QDQ with int8 activations.
 */
export type WeightEncoding = 'int8' | 'uint8' | 'int7';

/** Full symmetric int8. */
export const INT8_QMAX = 127;
/** Largest |q| whose u8s8 pair sums cannot saturate int16: 2 * 255 * 64 = 32640 <= 32767. */
export const U8S8_SAFE_QMAX = 64;
/** The zero point of 'uint8' weights: q + 128 keeps the symmetric int8 values, shifted. */
export const UINT8_WEIGHT_ZERO_POINT = 128;

export const qmaxOf = (encoding: WeightEncoding): number => (encoding === 'int7' ? U8S8_SAFE_QMAX : INT8_QMAX);

/** Round half to even, like numpy.rint (what the reference tool uses). */
export function rint(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export function quantizeSymmetric(data: Float32Array, dims: readonly number[], axis?: number, qmax: number = INT8_QMAX): SymmetricInt8 {
  if (!Number.isInteger(qmax) || qmax < 1 || qmax > INT8_QMAX) throw new RangeError(`qmax must be an integer in [1, ${INT8_QMAX}], got ${qmax}`);
  const channels = axis === undefined ? 1 : (dims[axis] ?? 1);
  const inner = axis === undefined ? data.length : dims.slice(axis + 1).reduce((n, d) => n * d, 1);
  const channelOf = (index: number): number => (axis === undefined ? 0 : Math.floor(index / inner) % channels);

  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) {
    const c = channelOf(i);
    maxAbs[c] = Math.max(maxAbs[c] ?? 0, Math.abs(data[i] ?? 0));
  }
  // An all-zero slice gets scale 1 (any scale represents zeros exactly; 0 would divide by zero).
  const scales = Float32Array.from(maxAbs, (m) => (m > 0 ? Math.fround(m / qmax) : 1));

  const values = new Int8Array(data.length);
  let maxAbsError = 0;
  for (let i = 0; i < data.length; i++) {
    const scale = scales[channelOf(i)] ?? 1;
    const w = data[i] ?? 0;
    const q = Math.max(-qmax, Math.min(qmax, rint(w / scale)));
    values[i] = q;
    maxAbsError = Math.max(maxAbsError, Math.abs(w - q * scale));
  }
  return { values, scales, axis, qmax, maxAbsError };
}
