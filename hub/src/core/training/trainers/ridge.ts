/**
 * Closed-form weighted ridge regression, the exact solution the linear trainer uses for
 * regression: minimises (1/S) sum_i w_i (t_i - x_i.beta - b)^2 + (l2/2) |beta|^2 (S = sum of
 * weights; the intercept b is not penalised). Solved on centred data with a Cholesky
 * factorisation in float64; a tiny jitter keeps all-zero feature columns (coefficient 0) solvable.
 */

export interface RidgeFit {
  /** [width] coefficients */
  beta: Float64Array;
  intercept: number;
}

export function fitRidge(x: Float32Array, rows: number, width: number, t: Float32Array, l2: number, weights?: Float32Array): RidgeFit {
  let s = 0;
  const xMean = new Float64Array(width);
  let tMean = 0;
  for (let r = 0; r < rows; r++) {
    const w = weights?.[r] ?? 1;
    s += w;
    tMean += w * (t[r] as number);
    for (let j = 0; j < width; j++) xMean[j] = (xMean[j] as number) + w * (x[r * width + j] as number);
  }
  if (!(s > 0)) return { beta: new Float64Array(width), intercept: 0 };
  tMean /= s;
  for (let j = 0; j < width; j++) xMean[j] = (xMean[j] as number) / s;

  // A = Xc' W Xc / S + (l2/2) I, rhs = Xc' W tc / S
  const a = new Float64Array(width * width);
  const rhs = new Float64Array(width);
  const xc = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    const w = (weights?.[r] ?? 1) / s;
    const tc = (t[r] as number) - tMean;
    for (let j = 0; j < width; j++) xc[j] = (x[r * width + j] as number) - (xMean[j] as number);
    for (let i = 0; i < width; i++) {
      const wi = w * (xc[i] as number);
      if (wi === 0) continue;
      rhs[i] = (rhs[i] as number) + wi * tc;
      for (let j = 0; j <= i; j++) a[i * width + j] = (a[i * width + j] as number) + wi * (xc[j] as number);
    }
  }
  let trace = 0;
  for (let i = 0; i < width; i++) trace += a[i * width + i] as number;
  const jitter = 1e-10 * Math.max(trace / Math.max(1, width), 1e-12);
  for (let i = 0; i < width; i++) a[i * width + i] = (a[i * width + i] as number) + l2 / 2 + jitter;

  const beta = choleskySolve(a, rhs, width);
  let intercept = tMean;
  for (let j = 0; j < width; j++) intercept -= (beta[j] as number) * (xMean[j] as number);
  return { beta, intercept };
}

/** Solves A z = b for symmetric positive definite A given by its lower triangle (row-major). */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j] as number;
      for (let k = 0; k < j; k++) sum -= (l[i * n + k] as number) * (l[j * n + k] as number);
      if (i === j) l[i * n + i] = Math.sqrt(Math.max(sum, 1e-300));
      else l[i * n + j] = sum / (l[j * n + j] as number);
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i] as number;
    for (let k = 0; k < i; k++) sum -= (l[i * n + k] as number) * (y[k] as number);
    y[i] = sum / (l[i * n + i] as number);
  }
  const z = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i] as number;
    for (let k = i + 1; k < n; k++) sum -= (l[k * n + i] as number) * (z[k] as number);
    z[i] = sum / (l[i * n + i] as number);
  }
  return z;
}
