/**
 * Given a MobileNetV3-style block (Conv -> BatchNorm -> HardSwish, depthwise Conv, squeeze-excite
 * with HardSigmoid, residual Add), when it is quantized static int8, then:
 * - every BatchNormalization is folded into its Conv, and the folded fp32 graph computes the same;
 * - every Conv reads DequantizeLinear inputs and writes only into a QuantizeLinear, so
 *   onnxruntime fuses each one into QLinearConv (checked on the graph onnxruntime optimises);
 * - int8 agrees with fp32 on seeded inputs.
 * And dynamic int8 on it, which can only touch the small Gemm head, warns.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { ModelProtoSchema, type GraphProto } from 'onnx-buf';
import { toBinary } from '@bufbuild/protobuf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrate } from '../../../src/adapters/calibration';
import { calibrationTargets } from '../../../src/core/quantize/calibration-targets';
import { foldBatchNorms } from '../../../src/core/quantize/fold-batch-norm';
import { decodeModel } from '../../../src/core/quantize/model-codec';
import { nameAllocator } from '../../../src/core/quantize/name-allocator';
import { quantizeDynamic } from '../../../src/core/quantize/quantize-dynamic';
import type { QuantizeResult } from '../../../src/core/quantize/quantize-report';
import { quantizeStatic } from '../../../src/core/quantize/quantize-static';
import { MOBILENET_INPUT, mobileNetBlock, seededImages } from './cnn-models';
import { compareLogits, openSession } from './runtimes';
import { mlp } from './test-models';

const ROWS = 200;
const fp32 = mobileNetBlock();
const dims = [...MOBILENET_INPUT];
const feed = (data: Float32Array) => ({ x: { type: 'float32' as const, data, dims: [data.length / 768, ...dims] } });

async function logits(model: Uint8Array, x: Float32Array): Promise<Float32Array> {
  const session = await openSession('node', model);
  try {
    return (await session.run(feed(x)))['y'] ?? new Float32Array();
  } finally {
    await session.release();
  }
}

const producers = (graph: GraphProto, name: string) => graph.node.filter((node) => node.output.includes(name));
const readers = (graph: GraphProto, name: string) => graph.node.filter((node) => node.input.includes(name));

describe('static int8 on a MobileNet-style block', () => {
  let quantized: QuantizeResult;
  const workDir = mkdtempSync(join(tmpdir(), 'edgefleet-static-cnn-'));

  beforeAll(async () => {
    const batches = [0, 1, 2, 3].map((i) => feed(seededImages(32, dims, 100 + i)));
    const ranges = await calibrate(fp32, batches, calibrationTargets(decodeModel(fp32)).calibratable);
    quantized = quantizeStatic(fp32, ranges);
  });

  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('folds BatchNormalization into Conv with the same fp32 outputs', async () => {
    const model = decodeModel(fp32);
    expect(foldBatchNorms(model, nameAllocator(model))).toBe(3);
    expect(model.graph?.node.some((node) => node.opType === 'BatchNormalization')).toBe(false);
    const x = seededImages(16, dims, 3);
    const [before, after] = [await logits(fp32, x), await logits(toBinary(ModelProtoSchema, model), x)];
    expect(after.length).toBe(before.length);
    before.forEach((value, i) => expect(after[i]).toBeCloseTo(value, 4));
    expect(quantized.report.notes.join(' ')).toMatch(/3 BatchNormalization node\(s\) folded/);
  });

  it('puts every Conv between DequantizeLinear inputs and a QuantizeLinear output', () => {
    const graph = decodeModel(quantized.model).graph;
    if (!graph) throw new Error('no graph');
    expect(graph.node.some((node) => node.opType === 'BatchNormalization')).toBe(false);
    const convs = graph.node.filter((node) => node.opType === 'Conv');
    expect(convs).toHaveLength(5);
    for (const conv of convs) {
      for (const input of conv.input.slice(0, 2)) expect(producers(graph, input).map((node) => node.opType)).toEqual(['DequantizeLinear']);
      expect(readers(graph, conv.output[0] ?? '').map((node) => node.opType)).toEqual(['QuantizeLinear']);
    }
    // The HardSwish, HardSigmoid, Mul and Add after Convs read dequantized values, not the float Conv output.
    for (const op of ['HardSwish', 'HardSigmoid', 'Add']) {
      for (const node of graph.node.filter((n) => n.opType === op)) expect(producers(graph, node.input[0] ?? '').map((n) => n.opType)).toEqual(['DequantizeLinear']);
    }
  });

  it('lets onnxruntime fuse every Conv into QLinearConv', async () => {
    const optimized = join(workDir, 'optimized.onnx');
    const session = await ort.InferenceSession.create(quantized.model, { optimizedModelFilePath: optimized, graphOptimizationLevel: 'extended', logSeverityLevel: 3 });
    await session.release();
    const ops = decodeModel(readFileSync(optimized)).graph?.node.map((node) => node.opType) ?? [];
    expect(ops.filter((op) => op === 'QLinearConv')).toHaveLength(5);
    expect(ops.filter((op) => op === 'Conv' || op === 'FusedConv')).toHaveLength(0);
  });

  it('agrees with fp32 on >= 97% of seeded inputs (argmax over 10 outputs)', async () => {
    const x = seededImages(ROWS, dims, 9);
    const { agreement } = compareLogits(await logits(fp32, x), await logits(quantized.model, x), 10);
    expect(agreement).toBeGreaterThanOrEqual(0.97);
  });
});

describe('dynamic int8 on a CNN', () => {
  it('warns when it converts only a small share of the weights (a Gemm head, Convs untouched)', () => {
    const { report } = quantizeDynamic(fp32);
    expect(report.nodesQuantized).toEqual({ Gemm: 1 });
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatch(/5 Conv node\(s\): dynamic mode never quantizes Conv/);
    expect(report.warnings[0]).toMatch(/int8-static/);
  });

  it('does not warn on an MLP, where MatMul holds the weights', () => {
    expect(quantizeDynamic(mlp()).report.warnings).toEqual([]);
  });
});
