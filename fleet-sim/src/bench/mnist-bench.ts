/**
 * MNIST 784-512-10: fp32 vs dynamic, static and weight-only int8, and the hub's pruned and
 * distilled versions (mnist-derived.ts), each in onnxruntime-node and onnxruntime-web: file size
 * (and gzip), accuracy on the held-out digits, and median latency at batch 1 and 64.
 */
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { calibrate } from '../../../hub/src/adapters/calibration';
import { calibrationTargets } from '../../../hub/src/core/quantize/calibration-targets';
import { decodeModel } from '../../../hub/src/core/quantize/model-codec';
import { quantizeDynamic } from '../../../hub/src/core/quantize/quantize-dynamic';
import { quantizeStatic } from '../../../hub/src/core/quantize/quantize-static';
import { quantizeWeightsOnly } from '../../../hub/src/core/quantize/quantize-weights-only';
import { derivedOptions, derivedVariants, type DerivedVariant } from './mnist-derived';
import { trainMnist, type MnistModel, type Rows } from './mnist-model';
import { fixed, goal, micros, speedup, table, withGoal } from './report';
import { medianMicros, openRunner, type RuntimeName } from './runtimes';

export interface VariantFigures {
  variant: string;
  runtime: RuntimeName;
  bytes: number;
  /** the file gzipped (default level): what magnitude pruning's zeros save on the wire */
  gzipBytes: number;
  accuracy: number;
  micros1: number;
  micros64: number;
}

export interface Variant {
  name: string;
  bytes: Uint8Array;
  foldQdq: boolean;
}

const PIXELS = 784;
const feed = (rows: Rows, from: number, count: number) => ({ numeric: { type: 'float32' as const, data: rows.x.subarray(from * PIXELS, (from + count) * PIXELS), dims: [count, PIXELS] } });

export async function mnistVariants(model: MnistModel): Promise<Variant[]> {
  const batches = [0, 1, 2, 3].map((i) => feed(model.train, i * 128, 128));
  const ranges = await calibrate(model.onnx, batches, calibrationTargets(decodeModel(model.onnx)).calibratable, 'minmax');
  const weightOnly = quantizeWeightsOnly(model.onnx).model;
  return [
    { name: 'fp32', bytes: model.onnx, foldQdq: false },
    { name: 'int8-dynamic', bytes: quantizeDynamic(model.onnx).model, foldQdq: false },
    { name: 'int8-static', bytes: quantizeStatic(model.onnx, ranges).model, foldQdq: false },
    { name: 'int8-weight-only', bytes: weightOnly, foldQdq: false },
    { name: 'int8-weight-only +fold', bytes: weightOnly, foldQdq: true },
  ];
}

function accuracyOf(probabilities: Float32Array, labels: Int32Array): number {
  let hits = 0;
  labels.forEach((label, r) => {
    let best = 0;
    for (let j = 1; j < 10; j++) if ((probabilities[r * 10 + j] ?? 0) > (probabilities[r * 10 + best] ?? 0)) best = j;
    if (best === label) hits++;
  });
  return hits / labels.length;
}

export async function measureVariant(variant: Variant, runtime: RuntimeName, test: Rows, runs: { batch1: number; batch64: number }): Promise<VariantFigures> {
  const runner = await openRunner(runtime, variant.bytes, variant.foldQdq);
  try {
    const out = await runner.run(feed(test, 0, test.rows));
    const accuracy = accuracyOf(out['probabilities'] ?? new Float32Array(), test.labels);
    const one = feed(test, 0, 1);
    const sixtyFour = feed(test, 64, 64);
    const micros1 = await medianMicros(() => runner.run(one), runs.batch1);
    const micros64 = await medianMicros(() => runner.run(sixtyFour), runs.batch64);
    return { variant: variant.name, runtime, bytes: variant.bytes.length, gzipBytes: gzipSync(variant.bytes).length, accuracy, micros1, micros64 };
  } finally {
    await runner.release();
  }
}

const INT8 = new Set(['int8-dynamic', 'int8-static', 'int8-weight-only', 'int8-weight-only +fold']);
const GOALS = { sizeRatio: 0.27, accuracyLossPp: 0.2, speedup64: 2, studentSize: 0.25, studentKept: 0.98 };
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
const verdict = (met: boolean): string => (met ? 'ok' : 'MISSED');

function rowOf(f: VariantFigures, base: VariantFigures): string[] {
  const isInt8 = INT8.has(f.variant);
  const derived = f.variant !== 'fp32' && !isInt8;
  const ratio = f.bytes / base.bytes;
  const lossPp = (base.accuracy - f.accuracy) * 100;
  const kept = f.accuracy / base.accuracy;
  const up64 = speedup(base.micros64, f.micros64);
  const student = f.variant === 'distilled';
  // An exact tie prints without a sign rather than as a loss of -0.00.
  const deltaText = fixed(Math.abs(lossPp), 2) === '0.00' ? '0.00 pp' : `${lossPp >= 0 ? '-' : '+'}${fixed(Math.abs(lossPp), 2)} pp`;
  let delta = '';
  if (isInt8) delta = withGoal(deltaText, goal(`loss <= ${GOALS.accuracyLossPp} pp`, lossPp <= GOALS.accuracyLossPp));
  else if (derived) delta = withGoal(`${deltaText}, ${fixed(kept * 100, 1)}% kept`, student ? goal(`>= ${GOALS.studentKept * 100}%`, kept >= GOALS.studentKept) : undefined);
  const sizeGoal = isInt8 ? goal(`<= ${GOALS.sizeRatio}x`, ratio <= GOALS.sizeRatio) : student ? goal(`<= ${GOALS.studentSize}x`, ratio <= GOALS.studentSize) : undefined;
  const up64Goal = f.runtime !== 'node' ? undefined : f.variant === 'int8-dynamic' ? goal(`>= ${GOALS.speedup64}x`, up64 >= GOALS.speedup64) : f.variant === 'pruned-structured' ? goal('> 1x', up64 > 1) : undefined;
  const compared = f.variant !== 'fp32';
  return [
    f.variant,
    f.runtime,
    kib(f.bytes),
    kib(f.gzipBytes),
    withGoal(`${fixed(ratio, 3)}x`, sizeGoal),
    `${fixed(f.accuracy * 100, 2)}%`,
    delta,
    `${micros(f.micros1)}${compared ? ` (${fixed(speedup(base.micros1, f.micros1), 2)}x)` : ''}`,
    `${micros(f.micros64)}${compared ? ` (${withGoal(`${fixed(up64, 2)}x`, up64Goal)})` : ''}`,
  ];
}

/** The issue-17 goals, judged on onnxruntime-node's figures (accuracy is the same in both runtimes). */
function derivedGoals(figures: readonly VariantFigures[]): string[] {
  const find = (variant: string): VariantFigures | undefined => figures.find((f) => f.runtime === 'node' && f.variant === variant);
  const base = find('fp32');
  const student = find('distilled');
  const pruned = find('pruned-structured');
  if (base === undefined || student === undefined || pruned === undefined) return [];
  const ratio = student.bytes / base.bytes;
  const kept = student.accuracy / base.accuracy;
  const up64 = speedup(base.micros64, pruned.micros64);
  return [
    `goal: student size <= ${GOALS.studentSize}x teacher: ${fixed(ratio, 3)}x ${verdict(ratio <= GOALS.studentSize)}`,
    `goal: student accuracy >= ${GOALS.studentKept * 100}% of teacher: ${fixed(kept * 100, 1)}% ${verdict(kept >= GOALS.studentKept)}`,
    `goal: structured pruned faster at batch 64 in node: ${fixed(up64, 2)}x ${verdict(up64 > 1)}`,
  ];
}

export interface MnistSectionOptions {
  epochs: number;
  runs: { batch1: number; batch64: number };
  runtimes: RuntimeName[];
}

export async function mnistSection(options: MnistSectionOptions): Promise<string> {
  const model = await trainMnist(options.epochs);
  const derived: DerivedVariant[] = await derivedVariants(model, derivedOptions());
  const variants = [...(await mnistVariants(model)), ...derived];
  const figures: VariantFigures[] = [];
  for (const runtime of options.runtimes) for (const variant of variants) figures.push(await measureVariant(variant, runtime, model.test, options.runs));
  const rows = figures.map((f) => rowOf(f, figures.find((b) => b.runtime === f.runtime && b.variant === 'fp32') ?? f));
  const width = Math.max(...derived.map((d) => d.name.length));
  return [
    `MNIST MLP 784-512-10 as a training run registers it (standardisation in the graph): trained ${options.epochs} epochs on ${model.train.rows} digits (90% train, 10% validation) in ${model.trainSeconds.toFixed(1)} s; accuracy on ${model.test.rows} held-out digits`,
    table(['variant', 'runtime', 'size', 'gzip', 'size ratio', 'accuracy', 'delta', 'batch 1 (speed-up)', 'batch 64 (speed-up)'], rows),
    'derived as the hub\'s prune and distill runs make them (time = pruning or teacher labelling + training, on this machine):',
    ...derived.map((d) => `  ${d.name.padEnd(width)}  ${d.note}`),
    ...derivedGoals(figures),
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await mnistSection({ epochs: Number(process.env['BENCH_EPOCHS'] ?? 3), runs: { batch1: 2000, batch64: 300 }, runtimes: ['node', 'web'] }));
}
