/**
 * Drift benchmark (DRIFT.md "Benchmark goals"), a seeded simulation on the pure drift core:
 * fleet false alerts with no drift, detection of a mean shift in 10% of devices, binned vs exact
 * KS / PSI, payload size and hub evaluation cost, each beside its goal and beside a trivial
 * baseline that raises an alarm every k windows; then the same on quiet devices (50 to 1,000
 * rows per window, binary, zero-inflated and out-of-range values: quiet-drift-bench.ts).
 */
import { gzipSync } from 'node:zlib';
import { encodeStatsWindow, sumStatsWindows, type ReferenceProfile, type StatsWindow } from '@edgefleet/protocol';
import { binnedKs, evaluateDrift, evaluateFleet, normalSampler, persistent, prepareReference, psi, simulateWindow, slotModel, windowOf, type Randomness, type SlotModel } from '../../../hub/src/core/drift';
import { buildReferenceProfile } from '../../../hub/src/core/reference-profile';
import { mulberry32 } from '../../../hub/src/core/seeded-random';
import { quietDriftSection } from './quiet-drift-bench';
import { fixed, goal, table, withGoal } from './report';

const SEED = 20_260_101;
const DEVICES = 1000;
const ROWS = 1000; // predictions per device-window
const NULL_WINDOWS = Number(process.env.DRIFT_BENCH_WINDOWS ?? 720);
const SIM_FEATURES = 5; // the alert simulation uses 5 features per device (50 for payload and cost)
const RUNS = Number(process.env.DRIFT_BENCH_RUNS ?? 20);
const PERSISTENCE = { k: 2, m: 3 };

const randomness = (seed: number): Randomness => {
  const uniform = mulberry32(seed);
  return { uniform, normal: normalSampler(uniform) };
};

function reference(features: number, bins: number, seed: number, rows = 20_000): { profile: ReferenceProfile; raw: number[][] } {
  const { normal } = randomness(seed);
  const raw = Array.from({ length: features }, () => Array.from({ length: rows }, normal));
  const profile = buildReferenceProfile({ rows, features: raw.map((values, index) => ({ name: `f${index}`, kind: 'numeric' as const, source: { input: 'x', index }, values })), outputs: [], bins });
  return { profile, raw };
}

const modelsFor = (profile: ReferenceProfile, shifts: readonly number[]): SlotModel[] =>
  profile.features.map((f, i) => (f.kind === 'numeric' ? slotModel(f.bins.edges, shifts[i] ?? 0) : slotModel([0, 1], 0)));

/** Fleet drift flag per window, then persistence (k of m) turns flags into alerts. */
function fleetAlerts(profile: ReferenceProfile, windows: number, shiftedDevices: number, shift: number, random: Randomness): { alerts: boolean[]; flags: boolean[]; seconds: number } {
  const plain = modelsFor(profile, []);
  const shifted = modelsFor(profile, [shift]);
  const flags: boolean[] = [];
  const prepared = prepareReference(profile);
  let evalMs = 0;
  for (let w = 0; w < windows; w++) {
    const batch: StatsWindow[] = [];
    for (let d = 0; d < DEVICES; d++) batch.push(simulateWindow(profile, `dev-${d}`, ROWS, d < shiftedDevices ? shifted : plain, random));
    const t = performance.now();
    flags.push(evaluateFleet(profile, batch, {}, prepared).verdict === 'drift');
    evalMs += performance.now() - t;
  }
  return { alerts: persistent(flags, PERSISTENCE), flags, seconds: evalMs / 1000 };
}

function detection(profile: ReferenceProfile, shift: number, within: number): { rate: number; meanWindow: number } {
  let detected = 0;
  let windowSum = 0;
  for (let run = 0; run < RUNS; run++) {
    const first = fleetAlerts(profile, within, DEVICES / 10, shift, randomness(SEED + 1000 * run + Math.round(shift * 100))).alerts.indexOf(true);
    if (first >= 0) {
      detected++;
      windowSum += first + 1;
    }
  }
  return { rate: detected / RUNS, meanWindow: detected ? windowSum / detected : NaN };
}

/** Exact two-sample KS on raw values. */
function exactKs(a: readonly number[], b: readonly number[]): number {
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i] as number, y[j] as number);
    while (i < x.length && (x[i] as number) <= v) i++;
    while (j < y.length && (y[j] as number) <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

const ordered = (w: StatsWindow, i: number): number[] => {
  const f = w.features[i];
  return f?.kind === 'numeric' ? [f.underflow, ...f.counts, f.overflow] : [];
};

/** Largest |binned - exact| over trials: KS against raw-data KS, PSI against the population PSI (shift^2). */
function binnedError(bins: number): { ks: number; psi: number } {
  const { profile, raw } = reference(1, bins, SEED + bins);
  const { normal } = randomness(SEED + 7 * bins);
  const refOrdered = profile.features[0]?.kind === 'numeric' ? [profile.features[0].bins.underflow, ...profile.features[0].bins.counts, profile.features[0].bins.overflow] : [];
  let ks = 0;
  let psiError = 0;
  for (const shift of [0, 0.1, 0.25, 0.5]) {
    for (let trial = 0; trial < 5; trial++) {
      const small = Array.from({ length: ROWS }, () => normal() + shift);
      ks = Math.max(ks, Math.abs(binnedKs(refOrdered, ordered(windowOf(profile, { device: 'd', numeric: [small] }), 0)) - exactKs(raw[0] ?? [], small)));
      // PSI needs many rows so sampling noise does not hide the binning error: 200,000
      const large = Array.from({ length: 200_000 }, () => normal() + shift);
      const { profile: big } = trial === 0 ? reference(1, bins, SEED + bins, 200_000) : { profile };
      const bigRef = big.features[0]?.kind === 'numeric' ? [big.features[0].bins.underflow, ...big.features[0].bins.counts, big.features[0].bins.overflow] : [];
      if (trial === 0) psiError = Math.max(psiError, Math.abs(psi(bigRef, ordered(windowOf(big, { device: 'd', numeric: [large] }), 0)) - shift * shift));
    }
  }
  return { ks, psi: psiError };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export interface PayloadAndCost {
  /** the window as plain JSON (the canonical shape), and gzipped */
  bytes: number;
  gzipBytes: number;
  /** what a device publishes (protocol encodeStatsWindow), and gzipped */
  wireBytes: number;
  wireGzipBytes: number;
  mergedMs: number;
  fleetMs: number;
}

export function payloadAndCost(): PayloadAndCost {
  const { profile } = reference(50, 20, SEED + 50, 5000);
  const { normal } = randomness(SEED + 51);
  const window = windowOf(profile, { device: 'dev-0000', numeric: profile.features.map(() => Array.from({ length: ROWS }, normal)) });
  const json = JSON.stringify(window);
  const bytes = new TextEncoder().encode(json).length;
  const gzipBytes = gzipSync(json).length;
  const wire = encodeStatsWindow(window);
  const random = randomness(SEED + 52);
  const models = modelsFor(profile, []);
  const batch = Array.from({ length: 1000 }, (_, d) => simulateWindow(profile, `dev-${d}`, ROWS, models, random));
  const prepared = prepareReference(profile);
  const merged: number[] = [];
  const fleet: number[] = [];
  for (let run = 0; run < 5; run++) {
    let t = performance.now();
    evaluateDrift(profile, sumStatsWindows(batch));
    merged.push(performance.now() - t);
    t = performance.now();
    evaluateFleet(profile, batch, {}, prepared);
    fleet.push(performance.now() - t);
  }
  return { bytes, gzipBytes, wireBytes: wire.length, wireGzipBytes: gzipSync(wire).length, mergedMs: median(merged), fleetMs: median(fleet) };
}

export function driftSection(): string {
  const started = performance.now();
  const { profile } = reference(SIM_FEATURES, 10, SEED);
  const nullRun = fleetAlerts(profile, NULL_WINDOWS, 0, 0, randomness(SEED + 1));
  const falseAlerts = nullRun.alerts.filter(Boolean).length;
  const d50 = detection(profile, 0.5, 2);
  const d25 = detection(profile, 0.25, 6);
  const e10 = binnedError(10);
  const e20 = binnedError(20);
  const { bytes, gzipBytes, wireBytes, wireGzipBytes, mergedMs, fleetMs } = payloadAndCost();
  const baseline = (k: number): string => `every ${k}: ${Math.floor(NULL_WINDOWS / k)} false, detects 100% within ${k}`;
  const pct = (x: number): string => `${fixed(x * 100, 0)}%`;
  const rows = [
    [`false fleet alerts, no drift, ${DEVICES} devices x ${NULL_WINDOWS} windows`, withGoal(`${falseAlerts} (${nullRun.flags.filter(Boolean).length} single-window flags)`, goal('<= 1', falseAlerts <= 1)), baseline(2)],
    [`0.5 sd shift, 10% of devices: detected within 2 windows (${RUNS} runs)`, withGoal(`${pct(d50.rate)} (mean window ${fixed(d50.meanWindow, 1)})`, goal('>= 95%', d50.rate >= 0.95)), baseline(2)],
    [`0.25 sd shift, 10% of devices: detected within 6 windows (${RUNS} runs)`, withGoal(`${pct(d25.rate)} (mean window ${fixed(d25.meanWindow, 1)})`, goal('>= 80%', d25.rate >= 0.8)), baseline(6)],
    ['binned KS - exact KS, max over 20 trials (10 / 20 bins)', withGoal(`${fixed(e10.ks, 4)} / ${fixed(e20.ks, 4)}`, goal('<= 0.02', Math.max(e10.ks, e20.ks) <= 0.02)), 'no statistic'],
    ['binned PSI - population PSI (shift^2), max over 4 shifts (10 / 20 bins)', withGoal(`${fixed(e10.psi, 4)} / ${fixed(e20.psi, 4)}`, goal('<= 0.01', Math.max(e10.psi, e20.psi) <= 0.01)), 'no statistic'],
    ['payload, 50 features x 20 bins, wire encoding (gzip)', withGoal(`${wireBytes} B (${wireGzipBytes} B)`, goal('<= 8 KB', wireBytes <= 8000)), '0 B (sends nothing)'],
    ['  the same window as plain JSON (gzip)', `${bytes} B (${gzipBytes} B)`, '0 B (sends nothing)'],
    ['hub cost per 1,000 device-windows, 50 x 20 bins: merge + fleet-wide test', withGoal(`${fixed(mergedMs, 1)} ms`, goal('<= 50 ms', mergedMs <= 50)), '0 ms'],
    ['  same + per-device screen, Holm, BH (evaluateFleet, median of 5)', withGoal(`${fixed(fleetMs, 1)} ms`, goal('<= 50 ms', fleetMs <= 50)), '0 ms'],
  ];
  return [
    `Drift (seeded ${SEED}): ${SIM_FEATURES} N(0,1) features per device on 10 equal-mass bins of a 20,000-row reference, ${ROWS} predictions per device-window drawn as multinomial counts;`,
    `fleet alert = evaluateFleet drift (Holm alpha 0.01 per device, BH q 0.01 across devices, >= 3 devices with effect >= warning, or the merged window) in ${PERSISTENCE.k} of the last ${PERSISTENCE.m} windows; baseline = an alarm every k windows.`,
    table(['measure', 'edgefleet (goal)', 'periodic-alarm baseline'], rows),
    `null run: ${fixed(nullRun.seconds, 1)} s evaluating ${DEVICES * NULL_WINDOWS} device-windows of ${SIM_FEATURES} features; section total ${fixed((performance.now() - started) / 1000, 1)} s`,
    '',
    quietDriftSection(),
  ].join('\n');
}
