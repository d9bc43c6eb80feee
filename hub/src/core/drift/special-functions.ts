/**
 * Special functions for the drift tests (pure): the regularized upper incomplete gamma gives the
 * chi-squared survival function and erfc; the Kolmogorov series gives the KS p-value; a log-space
 * binomial tail gives the exact OOD exceedance test. Algorithms follow Numerical Recipes (gser,
 * gcf, Lanczos log-gamma) and reach about 1e-10 relative accuracy on the ranges used here.
 */

const LANCZOS = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];

/** ln Gamma(x) for x > 0 (Lanczos, |error| < 2e-10). */
export function logGamma(x: number): number {
  let y = x;
  const tmp = x + 5.5 - (x + 0.5) * Math.log(x + 5.5);
  let series = 1.000000000190015;
  for (const c of LANCZOS) series += c / ++y;
  return -tmp + Math.log((2.5066282746310005 * series) / x);
}

const EPS = 1e-15;
const MAX_ITER = 1000;

/** P(a, x) by its series; converges fast for x < a + 1. */
function lowerSeries(a: number, x: number, lgA: number): number {
  let ap = a;
  let term = 1 / a;
  let sum = term;
  for (let i = 0; i < MAX_ITER; i++) {
    term *= x / ++ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - lgA);
}

/** Q(a, x) by its continued fraction (modified Lentz); converges fast for x >= a + 1. */
function upperFraction(a: number, x: number, lgA: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - lgA) * h;
}

/** Regularized upper incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a), a > 0, x >= 0. */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || x < 0 || Number.isNaN(x)) return Number.NaN;
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  return gammaQWith(a, x, logGamma(a));
}

function gammaQWith(a: number, x: number, lgA: number): number {
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - lowerSeries(a, x, lgA) : upperFraction(a, x, lgA);
}

/** ln Gamma(dof / 2) for the degrees of freedom seen so far: drift tests reuse a handful. */
const halfLogGamma = new Map<number, number>();

/** P(X >= x) for X ~ chi-squared with `dof` degrees of freedom. */
export function chiSquaredSurvival(x: number, dof: number): number {
  if (dof <= 0) return 1;
  if (x <= 0) return 1;
  let lg = halfLogGamma.get(dof);
  if (lg === undefined) {
    lg = logGamma(dof / 2);
    if (halfLogGamma.size < 4096) halfLogGamma.set(dof, lg);
  }
  return gammaQWith(dof / 2, x / 2, lg);
}

/** erfc(x) via erfc(x) = Q(1/2, x^2) for x >= 0. */
export function erfc(x: number): number {
  return x >= 0 ? gammaQ(0.5, x * x) : 2 - gammaQ(0.5, x * x);
}

/** P(Z >= z) for a standard normal Z. */
export function normalSurvival(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** P(K > lambda) for the asymptotic Kolmogorov distribution: 2 sum (-1)^(k-1) exp(-2 k^2 lambda^2). */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda <= 0) return 1;
  if (lambda < 0.2) return 1; // the series is 1 to double precision there and converges slowly
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-16) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** ln P(X = i) for X ~ Binomial(n, p). */
function logBinomialPmf(i: number, n: number, logP: number, logQ: number, logNFact: number): number {
  return logNFact - logGamma(i + 1) - logGamma(n - i + 1) + i * logP + (n - i) * logQ;
}

/**
 * P(X >= k) for X ~ Binomial(n, p), exact: the pmf summed in log space from k outward, over the
 * tail on the far side of the mean (upward when k > np, else one minus the lower tail), stopping
 * once terms no longer matter. A few thousand terms even at n = 10^6.
 */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  const logNFact = logGamma(n + 1);
  const upper = k > n * p;
  let total = 0;
  for (let i = upper ? k : k - 1; upper ? i <= n : i >= 0; i += upper ? 1 : -1) {
    const pmf = Math.exp(logBinomialPmf(i, n, logP, logQ, logNFact));
    total += pmf;
    if (pmf < total * 1e-17) break;
  }
  return Math.min(1, Math.max(0, upper ? total : 1 - total));
}

/**
 * P(X >= k) for X ~ Beta-Binomial(n, a, b) (a, b > 0): the pmf is summed from k outward over the
 * tail on the far side of the mean, each term from the last by the ratio
 * pmf(i + 1) / pmf(i) = (n - i) (i + a) / ((i + 1) (n - i - 1 + b)), so only the first costs
 * log-gammas. The distribution is unimodal for a, b >= 1, so terms shrink once past the mode.
 */
export function betaBinomialUpperTail(k: number, n: number, a: number, b: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  const upper = k > (n * a) / (a + b);
  const start = upper ? k : k - 1;
  const logPmf = logGamma(n + 1) - logGamma(start + 1) - logGamma(n - start + 1) + logGamma(start + a) + logGamma(n - start + b) - logGamma(n + a + b) + logGamma(a + b) - logGamma(a) - logGamma(b);
  let pmf = Math.exp(logPmf);
  let total = pmf;
  if (upper) {
    for (let i = start; i < n; i++) {
      pmf *= ((n - i) * (i + a)) / ((i + 1) * (n - i - 1 + b));
      total += pmf;
      if (pmf < total * 1e-17 && i > start + 1) break;
    }
  } else {
    for (let i = start; i > 0; i--) {
      pmf *= (i * (n - i + b)) / ((n - i + 1) * (i - 1 + a));
      total += pmf;
      if (pmf < total * 1e-17 && i < start - 1) break;
    }
  }
  return Math.min(1, Math.max(0, upper ? total : 1 - total));
}
