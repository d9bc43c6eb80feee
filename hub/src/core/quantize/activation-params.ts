/**
 * Asymmetric (affine) activation parameters from a calibrated range, the QuantizeLinear
 * convention x ~ (q - zero_point) * scale. The range is widened to include 0 so that zero (ReLU
 * outputs, padding) is represented exactly.
 */
export type ActivationType = 'int8' | 'uint8';

export interface Range {
  min: number;
  max: number;
}

export interface AffineParams {
  scale: number;
  zeroPoint: number;
  type: ActivationType;
}

const LIMITS: Record<ActivationType, { qmin: number; qmax: number }> = {
  int8: { qmin: -128, qmax: 127 },
  uint8: { qmin: 0, qmax: 255 },
};

export function affineParams(range: Range, type: ActivationType): AffineParams {
  const { qmin, qmax } = LIMITS[type];
  const rmin = Math.min(range.min, 0);
  const rmax = Math.max(range.max, 0);
  if (!(rmax > rmin)) return { scale: 1, zeroPoint: 0, type };
  const scale = Math.fround((rmax - rmin) / (qmax - qmin));
  const zeroPoint = Math.max(qmin, Math.min(qmax, Math.round(qmin - rmin / scale)));
  return { scale, zeroPoint, type };
}
