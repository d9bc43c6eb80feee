/**
 * The demo's data: a seeded synthetic machine-health table (four numeric sensor readings and a
 * three-class condition that depends on them, with noise). Copied from test/fixtures/machine-data.ts
 * because `test/` is not a runtime package; the generator is the same, so the same seed gives the
 * same rows as the e2e drift test. Added here: an endless per-device stream for the traffic feeder.
 */

export const MACHINE_FEATURES = ['temperature', 'vibration', 'pressure', 'current'] as const;
export type MachineFeature = (typeof MACHINE_FEATURES)[number];
export const MACHINE_TARGET = 'condition';

/** Mean and sd of each reading in the generating distribution (independent normals). */
export const MACHINE_DISTRIBUTION: Readonly<Record<MachineFeature, { mean: number; sd: number }>> = {
  temperature: { mean: 60, sd: 8 },
  vibration: { mean: 2, sd: 0.5 },
  pressure: { mean: 101, sd: 3 },
  current: { mean: 12, sd: 2 },
};

export interface MachineRow {
  readings: Record<MachineFeature, number>;
  condition: 'healthy' | 'worn' | 'failing';
}

/** Reference sds added to a feature's readings (a sensor that moved; the condition is unchanged). */
export type Shift = Partial<Record<MachineFeature, number>>;

/** mulberry32: uniform in [0, 1), the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Standard normal by Box-Muller. */
function standardNormal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** An endless stream of rows drawn with `seed`: each call returns the next row. */
export function machineStream(seed: number, shiftSds: Shift = {}): () => MachineRow {
  const random = seededRandom(seed);
  return (): MachineRow => {
    const z = MACHINE_FEATURES.map(() => standardNormal(random));
    const [t, v, p, c] = z as [number, number, number, number];
    const score = 1.2 * t + 1.0 * v - 0.5 * p + 0.3 * c + 0.7 * standardNormal(random);
    const condition = score < 0 ? 'healthy' : score < 1.3 ? 'worn' : 'failing';
    const readings = Object.fromEntries(
      MACHINE_FEATURES.map((name, i) => {
        const { mean, sd } = MACHINE_DISTRIBUTION[name];
        return [name, Math.round((mean + sd * ((z[i] as number) + (shiftSds[name] ?? 0))) * 1000) / 1000];
      }),
    ) as Record<MachineFeature, number>;
    return { readings, condition };
  };
}

/** The header and `count` rows drawn with `seed`, as CSV bytes (the fixture's `machineCsv`). */
export function machineCsv(count: number, seed: number, shiftSds: Shift = {}): Uint8Array {
  const next = machineStream(seed, shiftSds);
  const lines = [[...MACHINE_FEATURES, MACHINE_TARGET].join(',')];
  for (let i = 0; i < count; i++) {
    const row = next();
    lines.push([...MACHINE_FEATURES.map((name) => String(row.readings[name])), row.condition].join(','));
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}
