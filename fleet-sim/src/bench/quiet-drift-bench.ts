/**
 * Drift on quiet devices (issue 11): the seeded fleet simulation of drift-bench.ts at 50, 100,
 * 200 and 1,000 rows per device-window, on a reference mixing what real inputs look like: two
 * N(0,1) features on 20,000 rows, one N(0,1) feature on only 2,000 rows (so about 1 in 1,000 later
 * values falls past its range on each side), a binary flag (5% ones) and a zero-inflated reading
 * (70% zeros, else Exp(1)). Per size: false fleet alerts with no drift, the per-window test size
 * of each feature kind, detection of a 0.5 sd shift in 10% of devices and of the flag moving from
 * 5% to 20% on every device, and the hub's evaluation cost.
 */
import { binOf, type ReferenceProfile, type StatsWindow } from '@edgefleet/protocol';
import { chiSquaredHomogeneity, evaluateFleet, normalSampler, persistent, prepareReference, simulateWindow, slotModel, type Randomness, type SlotModel } from '../../../hub/src/core/drift';
import { buildReferenceProfile } from '../../../hub/src/core/reference-profile';
import { mulberry32 } from '../../../hub/src/core/seeded-random';
import { fixed, goal, table, withGoal } from './report';

const SEED = 20_261_111;
const DEVICES = 1000;
export const QUIET_SIZES = [50, 100, 200, 1000] as const;
/** no-drift windows per size: 720 (the DRIFT.md goal) with DRIFT_BENCH_QUIET_WINDOWS=720, which takes several minutes on 2 cores */
const WINDOWS = Number(process.env.DRIFT_BENCH_QUIET_WINDOWS ?? 120);
const RUNS = Number(process.env.DRIFT_BENCH_RUNS ?? 20);
const PERSISTENCE = { k: 2, m: 3 };
const ALPHA = 0.01;
/** seeded references per feature kind, and null windows on each, for the per-window test size */
const SIZE_REFERENCES = 20;
const SIZE_WINDOWS = 500;
const FLAG_RATE = 0.05;
const ZERO_RATE = 0.7;
const KINDS = ['normal (20,000-row reference)', 'normal (20,000-row reference)', 'normal (2,000-row reference: values past its range)', 'binary flag (5% ones)', 'zero-inflated (70% zeros)'] as const;

const randomness = (seed: number): Randomness => {
  const uniform = mulberry32(seed);
  return { uniform, normal: normalSampler(uniform) };
};

const edgesOf = (profile: ReferenceProfile, i: number): number[] => {
  const f = profile.features[i];
  return f?.kind === 'numeric' ? f.bins.edges : [0, 1];
};

/** The mixed reference: two normal features, one from a small sample, a 5% flag and a zero-inflated reading. */
function quietReference(): ReferenceProfile {
  const random = randomness(SEED);
  const normal = (rows: number): number[] => Array.from({ length: rows }, random.normal);
  const flag = Array.from({ length: 20_000 }, () => (random.uniform() < FLAG_RATE ? 1 : 0));
  const zeroInflated = Array.from({ length: 20_000 }, () => (random.uniform() < ZERO_RATE ? 0 : -Math.log(1 - random.uniform())));
  const values = [normal(20_000), normal(20_000), normal(2000), flag, zeroInflated];
  return buildReferenceProfile({ rows: 20_000, features: values.map((v, index) => ({ name: `f${index}`, kind: 'numeric' as const, source: { input: 'x', index }, values: v })), outputs: [], bins: 10 });
}

/** Slot model of a discrete distribution: each atom's probability in its slot, moments exact. */
function atomsModel(edges: readonly number[], atoms: readonly { value: number; p: number }[]): SlotModel {
  const slots = edges.length + 1;
  const model: SlotModel = { p: new Array<number>(slots).fill(0), mean: new Array<number>(slots).fill(0), variance: new Array<number>(slots).fill(0), second: new Array<number>(slots).fill(0) };
  const sums = new Array<number>(slots).fill(0);
  const squares = new Array<number>(slots).fill(0);
  for (const { value, p } of atoms) {
    const slot = binOf(edges, value);
    const at = slot === 'underflow' ? 0 : slot === 'overflow' ? slots - 1 : slot === 'missing' ? -1 : slot + 1;
    if (at < 0) continue;
    model.p[at] = (model.p[at] as number) + p;
    sums[at] = (sums[at] as number) + p * value;
    squares[at] = (squares[at] as number) + p * value * value;
  }
  model.p.forEach((p, i) => {
    if (p <= 0) return;
    const mean = (sums[i] as number) / p;
    model.mean[i] = mean;
    model.second[i] = (squares[i] as number) / p;
    model.variance[i] = Math.max(0, (model.second[i] as number) - mean * mean);
  });
  return model;
}

/** Slot model of a continuous distribution from a large seeded sample (probabilities and within-slot moments). */
function sampledModel(edges: readonly number[], draw: () => number, draws: number): SlotModel {
  const atoms = Array.from({ length: draws }, () => ({ value: draw(), p: 1 / draws }));
  return atomsModel(edges, atoms);
}

interface Scenario {
  /** models for unshifted devices, and for shifted ones */
  plain: SlotModel[];
  shifted: SlotModel[];
  /** devices on the shifted models */
  shiftedDevices: number;
}

function models(profile: ReferenceProfile): { plain: SlotModel[]; meanShift: SlotModel[]; flagMove: SlotModel[] } {
  const random = randomness(SEED + 1);
  const zeroInflated = (): number => (random.uniform() < ZERO_RATE ? 0 : -Math.log(1 - random.uniform()));
  const flag = (rate: number): SlotModel => atomsModel(edgesOf(profile, 3), [{ value: 0, p: 1 - rate }, { value: 1, p: rate }]);
  const zero = sampledModel(edgesOf(profile, 4), zeroInflated, 200_000);
  const plain = [slotModel(edgesOf(profile, 0), 0), slotModel(edgesOf(profile, 1), 0), slotModel(edgesOf(profile, 2), 0), flag(FLAG_RATE), zero];
  return { plain, meanShift: [slotModel(edgesOf(profile, 0), 0.5), ...plain.slice(1)], flagMove: [...plain.slice(0, 3), flag(0.2), zero] };
}

interface Run {
  flags: boolean[];
  alerts: boolean[];
  evalMs: number;
}

function simulate(profile: ReferenceProfile, rows: number, windows: number, scenario: Scenario, random: Randomness): Run {
  const prepared = prepareReference(profile);
  const run: Run = { flags: [], alerts: [], evalMs: 0 };
  for (let w = 0; w < windows; w++) {
    const batch: StatsWindow[] = [];
    for (let d = 0; d < DEVICES; d++) batch.push(simulateWindow(profile, `dev-${d}`, rows, d < scenario.shiftedDevices ? scenario.shifted : scenario.plain, random));
    const started = performance.now();
    run.flags.push(evaluateFleet(profile, batch, {}, prepared).verdict === 'drift');
    run.evalMs += performance.now() - started;
  }
  run.alerts = persistent(run.flags, PERSISTENCE);
  return run;
}

type SizeKind = 'normal20k' | 'normal2k' | 'flag' | 'zeroInflated';

/**
 * Share of single-feature chi-squared tests with p < ALPHA on windows of the reference's own
 * population, over SIZE_REFERENCES fresh references: for one fixed reference the rate depends on
 * how far its sample fell from the population (the sampling error the test allows for), so the
 * size is a figure over references. Also the share of windows with a value past the range.
 */
function testSize(kind: SizeKind, rows: number, salt: number): { size: number; pastRange: number; tested: boolean } {
  let tests = 0;
  let rejections = 0;
  let pastRange = 0;
  let tested = false;
  for (let r = 0; r < SIZE_REFERENCES; r++) {
    const random = randomness(SEED + 1_000_000 + 1000 * salt + r);
    const zeroInflated = (): number => (random.uniform() < ZERO_RATE ? 0 : -Math.log(1 - random.uniform()));
    const referenceRows = kind === 'normal2k' ? 2000 : 20_000;
    const values = Array.from({ length: referenceRows }, kind === 'flag' ? () => (random.uniform() < FLAG_RATE ? 1 : 0) : kind === 'zeroInflated' ? zeroInflated : random.normal);
    const feature = buildReferenceProfile({ rows: referenceRows, features: [{ name: 'f', kind: 'numeric', source: { input: 'x', index: 0 }, values }], outputs: [], bins: 10 }).features[0];
    if (feature?.kind !== 'numeric') throw new Error('numeric feature expected');
    const bins = feature.bins;
    const refSlots = [bins.underflow, ...bins.counts, bins.overflow, bins.missing];
    const model = kind === 'flag' ? atomsModel(bins.edges, [{ value: 0, p: 1 - FLAG_RATE }, { value: 1, p: FLAG_RATE }]) : kind === 'zeroInflated' ? sampledModel(bins.edges, zeroInflated, 100_000) : slotModel(bins.edges, 0);
    const profile: ReferenceProfile = { rows: referenceRows, features: [{ name: 'f', kind: 'numeric', source: { input: 'x', index: 0 }, bins }], outputs: [], ood: null };
    for (let w = 0; w < SIZE_WINDOWS; w++) {
      const f = simulateWindow(profile, 'dev', rows, [model], random).features[0];
      if (f?.kind !== 'numeric') continue;
      if (f.underflow + f.overflow > 0) pastRange++;
      const result = chiSquaredHomogeneity(refSlots, [f.underflow, ...f.counts, f.overflow, f.missing]);
      if (result.dof > 0) tested = true;
      tests++;
      if (result.pValue < ALPHA) rejections++;
    }
  }
  return { size: rejections / tests, pastRange: pastRange / tests, tested };
}

function detectionRate(profile: ReferenceProfile, rows: number, scenario: Scenario, salt: number): number {
  let detected = 0;
  for (let r = 0; r < RUNS; r++) if (simulate(profile, rows, 2, scenario, randomness(SEED + 10_000 * salt + r)).alerts.includes(true)) detected++;
  return detected / RUNS;
}

export function quietDriftSection(): string {
  const started = performance.now();
  const profile = quietReference();
  const m = models(profile);
  const rows: string[][] = [];
  const sizeRows: string[][] = [];
  for (const [s, n] of QUIET_SIZES.entries()) {
    const nullRun = simulate(profile, n, WINDOWS, { plain: m.plain, shifted: m.plain, shiftedDevices: 0 }, randomness(SEED + 100 + s));
    const falseAlerts = nullRun.alerts.filter(Boolean).length;
    const shift = detectionRate(profile, n, { plain: m.plain, shifted: m.meanShift, shiftedDevices: DEVICES / 10 }, 2 * s + 1);
    const flag = detectionRate(profile, n, { plain: m.plain, shifted: m.flagMove, shiftedDevices: DEVICES }, 2 * s + 2);
    // Per-device tests need n >= 100 (DriftOptions.minCount), and a tenth of the fleet is diluted
    // tenfold in the merged window, below every effect threshold: n = 50 cannot see that shift.
    const shiftGoal = n >= 100 ? goal('>= 95%', shift >= 0.95) : undefined;
    rows.push([
      String(n),
      withGoal(`${falseAlerts} (${nullRun.flags.filter(Boolean).length} flags)`, goal('<= 1', falseAlerts <= 1)),
      withGoal(`${fixed(shift * 100, 0)}%`, shiftGoal) + (shiftGoal ? '' : ' (no goal: n < 100)'),
      withGoal(`${fixed(flag * 100, 0)}%`, goal('>= 95%', flag >= 0.95)),
      `${fixed(nullRun.evalMs / WINDOWS, 1)} ms`,
    ]);
    const kinds: SizeKind[] = ['normal20k', 'normal2k', 'flag', 'zeroInflated'];
    let pastRange = 0;
    sizeRows.push([
      String(n),
      ...kinds.map((kind, k) => {
        const { size, pastRange: past, tested } = testSize(kind, n, 10 * s + k);
        if (kind === 'normal2k') pastRange = past;
        // A flag with under 5 expected ones in the window pools into one cell: no test to size.
        if (!tested) return 'no test (pooled to 1 cell)';
        return withGoal(fixed(size, 4), goal(`${fixed(ALPHA / 1.5, 4)}-${fixed(ALPHA * 1.5, 4)}`, size <= ALPHA * 1.5 && size >= ALPHA / 1.5));
      }),
      `${fixed(pastRange * 100, 1)}%`,
    ]);
  }
  const periodic = `every 2 windows: ${Math.floor(WINDOWS / 2)} false alerts, detects 100% within 2`;
  return [
    `Quiet devices (seeded ${SEED}): ${DEVICES} devices, 5 features per device (${KINDS.join('; ')}), 10 equal-mass bins (a bin of its own for a dominant value);`,
    `fleet alert as above (2 of the last 3 windows); ${WINDOWS} windows with no drift per size; ${RUNS} seeded runs per detection figure; periodic-alarm baseline: ${periodic}.`,
    table(['rows per device-window', `false fleet alerts, no drift, ${DEVICES} x ${WINDOWS}`, '0.5 sd shift, 10% of devices, within 2 windows', 'flag 5% -> 20%, every device, within 2 windows', 'hub cost per 1,000 device-windows'], rows),
    '',
    `Per-window test size: share of single-window, single-feature chi-squared tests with p < ${ALPHA} with no drift, over ${SIZE_REFERENCES} seeded references x ${SIZE_WINDOWS} windows (before any minimum-count rule); goal within 1.5x of alpha`,
    table(['rows', 'normal, 20,000-row ref.', 'normal, 2,000-row ref.', 'binary flag', 'zero-inflated', 'windows with values past the 2,000-row range'], sizeRows),
    `section total ${fixed((performance.now() - started) / 1000, 1)} s`,
  ].join('\n');
}
