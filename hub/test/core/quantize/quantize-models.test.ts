/**
 * Given seeded fp32 models (784-512-10 MLP, small CNN), when they are quantized dynamic, static
 * (calibrated on seeded random inputs) and weights-only, then every file is <= 0.3x, loads in
 * onnxruntime-node and onnxruntime-web, and agrees with fp32 on >= 99% of 500 random inputs.
 */
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { beforeAll, describe, expect, it } from 'vitest';
import { calibrate } from '../../../src/adapters/calibration';
import { calibrationTargets } from '../../../src/core/quantize/calibration-targets';
import { quantizeDynamic } from '../../../src/core/quantize/quantize-dynamic';
import { quantizeStatic } from '../../../src/core/quantize/quantize-static';
import { quantizeWeightsOnly, type QuantizeResult } from '../../../src/core/quantize/quantize-weights-only';
import { compareLogits, openSession, type RuntimeName } from './runtimes';
import { convNet, mlp, randomInputs } from './test-models';

const ROWS = 500;

interface Case {
  name: string;
  bytes: Uint8Array;
  dims: number[];
  width: number;
}

const cases: Case[] = [
  { name: 'mlp 784-512-10', bytes: mlp(), dims: [784], width: 784 },
  { name: 'cnn', bytes: convNet(), dims: [1, 28, 28], width: 784 },
];

async function logits(runtime: RuntimeName, model: Uint8Array, c: Case, x: Float32Array): Promise<Float32Array> {
  const session = await openSession(runtime, model);
  try {
    const out = await session.run({ x: { type: 'float32', data: x, dims: [x.length / c.width, ...c.dims] } });
    return out['y'] ?? new Float32Array();
  } finally {
    await session.release();
  }
}

async function staticQuantize(c: Case): Promise<QuantizeResult> {
  const targets = calibrationTargets(fromBinary(ModelProtoSchema, c.bytes));
  const batches = [0, 1, 2, 3].map((i) => ({ x: { type: 'float32' as const, data: randomInputs(50, c.width, 100 + i), dims: [50, ...c.dims] } }));
  const ranges = await calibrate(c.bytes, batches, targets.calibratable, 'minmax');
  return quantizeStatic(c.bytes, ranges);
}

describe.each(cases)('$name', (c) => {
  const x = randomInputs(ROWS, c.width, 9);
  const reference: Partial<Record<RuntimeName, Float32Array>> = {};
  const variants: Array<{ variant: string; quantize: () => Promise<QuantizeResult> }> = [
    { variant: 'dynamic', quantize: async () => quantizeDynamic(c.bytes) },
    { variant: 'dynamic per-channel', quantize: async () => quantizeDynamic(c.bytes, { perChannel: true }) },
    { variant: 'static', quantize: () => staticQuantize(c) },
    { variant: 'weights-only', quantize: async () => quantizeWeightsOnly(c.bytes) },
  ];

  beforeAll(async () => {
    reference.node = await logits('node', c.bytes, c, x);
    reference.web = await logits('web', c.bytes, c, x);
  });

  it.each(variants)('$variant: <= 0.3x, runs in both runtimes, >= 99% argmax agreement', async ({ quantize }) => {
    const { model, report } = await quantize();
    expect(report.ratio).toBeLessThanOrEqual(0.3);
    expect(report.bytesAfter).toBe(model.length);
    for (const runtime of ['node', 'web'] as const) {
      const { agreement, maxAbsDiff } = compareLogits(reference[runtime] ?? new Float32Array(), await logits(runtime, model, c, x), 10);
      expect(agreement).toBeGreaterThanOrEqual(0.99);
      expect(maxAbsDiff).toBeLessThan(0.1);
    }
  });
});

describe('report contents', () => {
  it('dynamic on the 784-512-10 MLP: two MatMuls, float weights gone, ~0.25x', () => {
    const { model, report } = quantizeDynamic(mlp());
    expect(report.nodesQuantized).toEqual({ MatMul: 2 });
    expect(report.ratio).toBeGreaterThan(0.24);
    expect(report.ratio).toBeLessThan(0.27);
    const graph = fromBinary(ModelProtoSchema, model).graph;
    const names = graph?.initializer.map((t) => t.name) ?? [];
    expect(names).not.toContain('W1');
    expect(names).not.toContain('W2');
    expect(graph?.node.map((n) => n.opType)).toEqual(expect.arrayContaining(['DynamicQuantizeLinear', 'MatMulInteger', 'Cast', 'Mul']));
    const w1 = report.weights.find((w) => w.tensor === 'W1');
    expect(w1).toMatchObject({ elements: 784 * 512, axis: null });
    expect(w1?.maxAbsError).toBeLessThanOrEqual((w1?.scaleMax ?? 0) / 2 + 1e-9);
  });

  it('dynamic on the CNN rewrites Gemm(transB) and explains why the Convs stay float', () => {
    const { report } = quantizeDynamic(convNet());
    expect(report.nodesQuantized).toEqual({ Gemm: 1 });
    expect(report.notes.join(' ')).toMatch(/Gemm node\(s\) rewritten/);
    expect(report.skipped.filter((s) => s.opType === 'Conv')).toHaveLength(2);
  });
});
