/**
 * A seeded synthetic machine-health table: four numeric sensor readings and a three-class
 * condition that depends on them (with noise), as the CSV an operator uploads and as rows to feed
 * agents, optionally with features shifted by a number of sds (drift). The demo's traffic and the
 * end-to-end tests (test/fixtures/machine-data.ts re-exports it) draw the same rows from a seed.
 */
import { mulberry32 } from '../../../hub/src/core/seeded-random';

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

/** Standard normal by Box-Muller. */
function standardNormal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** An endless stream of rows drawn with `seed`: each call returns the next row. */
export function machineStream(seed: number, shiftSds: Shift = {}): () => MachineRow {
  const random = mulberry32(seed);
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

/** `count` rows drawn with `seed` (the condition is drawn from the unshifted machine, as if the sensor moved). */
export function machineRows(count: number, seed: number, shiftSds: Shift = {}): MachineRow[] {
  const next = machineStream(seed, shiftSds);
  return Array.from({ length: count }, next);
}

/** The header and `count` rows drawn with `seed`, as CSV bytes. */
export function machineCsv(count: number, seed: number, shiftSds: Shift = {}): Uint8Array {
  const next = machineStream(seed, shiftSds);
  const lines = [[...MACHINE_FEATURES, MACHINE_TARGET].join(',')];
  for (let i = 0; i < count; i++) {
    const row = next();
    lines.push([...MACHINE_FEATURES.map((name) => String(row.readings[name])), row.condition].join(','));
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}
