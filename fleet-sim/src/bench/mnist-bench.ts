/**
 * MNIST 784-512-10: fp32 vs dynamic, static and weight-only int8, each in onnxruntime-node and
 * onnxruntime-web: accuracy on the held-out digits, and median latency at batch 1 and 64.
 */
import { calibrate } from '../../../hub/src/adapters/calibration';
import { calibrationTargets } from '../../../hub/src/core/quantize/calibration-targets';
import { decodeModel } from '../../../hub/src/core/quantize/model-codec';
import { quantizeDynamic } from '../../../hub/src/core/quantize/quantize-dynamic';
import { quantizeStatic } from '../../../hub/src/core/quantize/quantize-static';
import { quantizeWeightsOnly } from '../../../hub/src/core/quantize/quantize-weights-only';
import type { MnistModel, Rows } from './mnist-model';
import { medianMicros, openRunner, type RuntimeName } from './runtimes';

export interface VariantFigures {
  variant: string;
  runtime: RuntimeName;
  bytes: number;
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
    return { variant: variant.name, runtime, bytes: variant.bytes.length, accuracy, micros1, micros64 };
  } finally {
    await runner.release();
  }
}
