/**
 * How rows of a table file (CSV, .npy) become the serving model's inputs. Pure: the release
 * manifest and a header in, per-row typed tensors (dims [1, ...]) out.
 *
 * CSV columns are named: a release with a reference profile names every feature and where it
 * sits (`source`: column `index` of input `input`, the same map the statistics use), so the
 * header's columns are the feature names, in any order, extra columns ignored. A model without
 * feature names and with one numeric input [N, F] takes F columns in order, whatever their names.
 */
import type { IoSpec, ReleaseManifest } from '@edgefleet/protocol';
import type { TypedTensor } from '@edgefleet/device-core';
import { parseNumberCell } from './csv-line';

type ColumnType = 'float32' | 'float64' | 'int32' | 'int64' | 'string';
const COLUMN_TYPES: ReadonlySet<string> = new Set<ColumnType>(['float32', 'float64', 'int32', 'int64', 'string']);

interface TableInput {
  name: string;
  type: ColumnType;
  width: number;
}

export interface TablePlan {
  inputs: TableInput[];
  /** feature name -> [input position in `inputs`, column index]; null: F unnamed columns in order (one input) */
  features: Map<string, [number, number]> | null;
}

/** Each header column's target: [input position, column index], or null for a column the model does not take. */
export interface HeaderBinding {
  plan: TablePlan;
  targets: Array<[number, number] | null>;
  ignored: string[];
}

export type Planned<T> = { ok: true; value: T } | { ok: false; problem: string };
const refuse = <T>(problem: string): Planned<T> => ({ ok: false, problem });

/** A dim a request may size freely: 0 or a symbolic name in a recorded shape. */
export const isOpenDim = (dim: IoSpec['shape'][number] | undefined): boolean => dim === undefined || typeof dim === 'string' || dim === 0;

export function tablePlan(release: ReleaseManifest): Planned<TablePlan> {
  const specs = release.io.inputs;
  for (const spec of specs) {
    if (spec.shape.length !== 2) return refuse(`input ${spec.name} has dims [${spec.shape.join(',')}], not [rows, columns]: send this model JSON Lines (one POST /v1/predict body a line)`);
    if (!COLUMN_TYPES.has(spec.type)) return refuse(`input ${spec.name} is ${spec.type}, which a table column cannot fill: send JSON Lines`);
  }
  const named = release.reference?.features ?? [];
  if (named.length === 0) {
    const spec = specs[0] as IoSpec;
    const width = spec.shape[1];
    if (specs.length !== 1 || spec.type === 'string' || typeof width !== 'number' || width < 1) {
      return refuse('the model names no features (no reference profile), so a CSV is read only for one numeric input [rows, F] with F fixed: send JSON Lines');
    }
    return { ok: true, value: { inputs: [{ name: spec.name, type: spec.type as ColumnType, width }], features: null } };
  }
  const inputs: TableInput[] = [];
  const features = new Map<string, [number, number]>();
  for (const [k, spec] of specs.entries()) {
    const own = named.filter((feature) => feature.source.input === spec.name);
    const fixed = spec.shape[1];
    const width = typeof fixed === 'number' && fixed > 0 ? fixed : own.reduce((max, feature) => Math.max(max, feature.source.index + 1), 0);
    const covered = new Set(own.map((feature) => feature.source.index));
    if (width === 0 || covered.size !== width || own.some((feature) => feature.source.index >= width)) {
      return refuse(`input ${spec.name}: the model's feature names do not cover its ${width || 'open'} columns: send JSON Lines`);
    }
    inputs.push({ name: spec.name, type: spec.type as ColumnType, width });
    for (const feature of own) features.set(feature.name, [k, feature.source.index]);
  }
  return { ok: true, value: { inputs, features } };
}

/** The header against the plan: every feature once (extra columns ignored), or exactly F columns. */
export function bindHeader(plan: TablePlan, header: readonly string[]): Planned<HeaderBinding> {
  const names = header.map((name) => name.trim());
  if (plan.features === null) {
    const input = plan.inputs[0] as TableInput;
    if (names.length !== input.width) return refuse(`header: the model takes ${input.width} numeric columns in order (input ${input.name} [rows, ${input.width}], no feature names); the header has ${names.length}`);
    return { ok: true, value: { plan, targets: names.map((_, i): [number, number] => [0, i]), ignored: [] } };
  }
  const features = plan.features;
  const seen = new Set<string>();
  const targets: Array<[number, number] | null> = [];
  const ignored: string[] = [];
  for (const name of names) {
    if (seen.has(name)) return refuse(`header: column ${JSON.stringify(name)} appears twice`);
    seen.add(name);
    const target = features.get(name) ?? null;
    if (target === null) ignored.push(name);
    targets.push(target);
  }
  const missing = [...features.keys()].filter((name) => !seen.has(name));
  if (missing.length > 0) return refuse(`header: missing column${missing.length > 1 ? 's' : ''} ${missing.map((name) => JSON.stringify(name)).join(', ')} (the model's features: ${[...features.keys()].join(', ')})`);
  return { ok: true, value: { plan, targets, ignored } };
}

/** One data row's cells as the model's inputs, each [1, width]; or the problem, naming the column. */
export function rowTensors(binding: HeaderBinding, header: readonly string[], cells: readonly string[]): Planned<Record<string, TypedTensor>> {
  if (cells.length !== binding.targets.length) return refuse(`has ${cells.length} columns, the header ${binding.targets.length}`);
  const inputs = binding.plan.inputs;
  const buffers = inputs.map((input) => newColumnArray(input.type, input.width));
  for (let j = 0; j < cells.length; j++) {
    const target = binding.targets[j];
    if (!target) continue;
    const [k, index] = target;
    const input = inputs[k] as TableInput;
    const cell = cells[j] as string;
    const buffer = buffers[k] as ColumnArray;
    if (input.type === 'string') {
      (buffer as string[])[index] = cell;
      continue;
    }
    const value = parseNumberCell(cell);
    const where = `column ${JSON.stringify((header[j] ?? '').trim())}`;
    if (value === null) return refuse(`${where}: ${JSON.stringify(cell.slice(0, 40))} is not a number`);
    if (input.type === 'int32' || input.type === 'int64') {
      const limit = input.type === 'int32' ? 2 ** 31 : 2 ** 53;
      if (!Number.isInteger(value) || value < -limit || value >= limit) return refuse(`${where}: ${cell.trim().slice(0, 40)} is not a whole number the ${input.type} input takes`);
      if (input.type === 'int64') (buffer as BigInt64Array)[index] = BigInt(value);
      else (buffer as Int32Array)[index] = value;
    } else (buffer as Float32Array | Float64Array)[index] = value;
  }
  const tensors: Record<string, TypedTensor> = {};
  inputs.forEach((input, k) => {
    tensors[input.name] = { type: input.type, dims: [1, input.width], data: buffers[k] } as TypedTensor;
  });
  return { ok: true, value: tensors };
}

type ColumnArray = Float32Array | Float64Array | Int32Array | BigInt64Array | string[];

function newColumnArray(type: ColumnType, width: number): ColumnArray {
  switch (type) {
    case 'float32':
      return new Float32Array(width);
    case 'float64':
      return new Float64Array(width);
    case 'int32':
      return new Int32Array(width);
    case 'int64':
      return new BigInt64Array(width);
    case 'string':
      return new Array<string>(width).fill('');
  }
}

/** A .npy of shape [rows, ...] for a one-input float32 model whose dims after the first it matches. */
export function npyPlan(release: ReleaseManifest, shape: readonly number[]): Planned<{ input: string; rowDims: number[] }> {
  const specs = release.io.inputs;
  const spec = specs[0] as IoSpec;
  if (specs.length !== 1 || spec.type !== 'float32') return refuse(`.npy is read for a model with one float32 input; this one takes ${specs.map((s) => `${s.name} (${s.type})`).join(', ')}: send JSON Lines`);
  if (shape.length !== spec.shape.length) return refuse(`.npy shape (${shape.join(', ')}) has rank ${shape.length}; input ${spec.name} [${spec.shape.join(',')}] has rank ${spec.shape.length}`);
  for (let i = 1; i < shape.length; i++) {
    const want = spec.shape[i];
    if (!isOpenDim(want) && want !== shape[i]) return refuse(`.npy shape (${shape.join(', ')}): dim ${i} is ${shape[i]}, input ${spec.name} needs ${String(want)}`);
  }
  return { ok: true, value: { input: spec.name, rowDims: [1, ...shape.slice(1)] } };
}
