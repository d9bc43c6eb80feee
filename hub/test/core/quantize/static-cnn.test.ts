/**
 * Given a MobileNetV3-style block (Conv -> BatchNorm -> HardSwish, depthwise Conv, squeeze-excite
 * with HardSigmoid, residual Add), when it is quantized static int8, then:
 * - every BatchNormalization is folded into its Conv, and the folded fp32 graph computes the same;
 * - every Conv but the depthwise one reads DequantizeLinear inputs and writes only into a
 *   QuantizeLinear, so onnxruntime fuses each one into QLinearConv (checked on the graph
 *   onnxruntime optimises); the depthwise Conv stays float with a float weight, so onnxruntime
 *   runs it in its float NCHWc kernel (float-kept-ops.ts), unless asked for `depthwise: 'int8'`;
 * - int8 agrees with fp32 on seeded inputs.
 * And dynamic int8 on it, which can only touch the small Gemm head, warns.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { ModelProtoSchema, type GraphProto, type NodeProto } from 'onnx-buf';
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
const isDepthwise = (node: NodeProto) => node.attribute.some((a) => a.name === 'group' && a.i > 1n);

/** Op types (domain-qualified off the default domain) of the graph onnxruntime optimises `model` into. */
async function optimizedOps(model: Uint8Array, path: string): Promise<string[]> {
  const session = await ort.InferenceSession.create(model, { optimizedModelFilePath: path, logSeverityLevel: 3 });
  await session.release();
  return decodeModel(readFileSync(path)).graph?.node.map((node) => (node.domain === '' ? node.opType : `${node.domain}:${node.opType}`)) ?? [];
}
const count = (ops: string[], pattern: RegExp) => ops.filter((op) => pattern.test(op)).length;

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

  it('puts every Conv but the depthwise one between DequantizeLinear inputs and a QuantizeLinear output', () => {
    const graph = decodeModel(quantized.model).graph;
    if (!graph) throw new Error('no graph');
    expect(graph.node.some((node) => node.opType === 'BatchNormalization')).toBe(false);
    const convs = graph.node.filter((node) => node.opType === 'Conv');
    expect(convs).toHaveLength(5);
    const depthwise = convs.filter(isDepthwise);
    const others = convs.filter((node) => !isDepthwise(node));
    expect(depthwise).toHaveLength(1);
    expect(others).toHaveLength(4);
    for (const conv of others) {
      for (const input of conv.input.slice(0, 2)) expect(producers(graph, input).map((node) => node.opType)).toEqual(['DequantizeLinear']);
      expect(readers(graph, conv.output[0] ?? '').map((node) => node.opType)).toEqual(['QuantizeLinear']);
    }
    // The depthwise Conv's weight is still a float initializer (no DequantizeLinear in front of it).
    const weight = depthwise[0]?.input[1] ?? '';
    expect(producers(graph, weight)).toHaveLength(0);
    expect(graph.initializer.find((tensor) => tensor.name === weight)?.dataType).toBe(1);
    expect(quantized.report.nodesQuantized).toEqual({ Conv: 4, Gemm: 1 });
    expect(quantized.report.skipped.filter((s) => /depthwise Conv kept float/.test(s.reason))).toHaveLength(1);
    // The HardSwish, HardSigmoid, Mul and Add after quantized Convs read dequantized values, not the float Conv output.
    for (const op of ['HardSwish', 'HardSigmoid', 'Add']) {
      for (const node of graph.node.filter((n) => n.opType === op)) {
        const from = producers(graph, node.input[0] ?? '')[0];
        if (from?.opType === 'Conv' && isDepthwise(from)) continue;
        expect(from?.opType).toBe('DequantizeLinear');
      }
    }
  });

  it('lets onnxruntime fuse every other Conv into QLinearConv and run the depthwise one in float NCHWc', async () => {
    const ops = await optimizedOps(quantized.model, join(workDir, 'optimized.onnx'));
    expect(count(ops, /^com\.microsoft:QLinearConv$/)).toBe(4);
    // The float depthwise Conv has a constant weight, so onnxruntime's NCHWc layout takes it.
    expect(count(ops, /^com\.microsoft\.nchwc:Conv$/)).toBe(1);
    expect(count(ops, /^(Conv|com\.microsoft:FusedConv)$/)).toBe(0);
  });

  it("depthwise: 'int8' quantizes the depthwise Conv too: five QLinearConv", async () => {
    const batches = [0, 1].map((i) => feed(seededImages(32, dims, 100 + i)));
    const ranges = await calibrate(fp32, batches, calibrationTargets(decodeModel(fp32)).calibratable);
    const all = quantizeStatic(fp32, ranges, { depthwise: 'int8' });
    expect(all.report.nodesQuantized).toEqual({ Conv: 5, Gemm: 1 });
    const ops = await optimizedOps(all.model, join(workDir, 'optimized-int8-depthwise.onnx'));
    expect(count(ops, /^com\.microsoft:QLinearConv$/)).toBe(5);
    expect(count(ops, /Conv$/)).toBe(5);
  });

  it('keepFloat leaves the named activations float: no QuantizeLinear on them, the Conv reading one runs float', async () => {
    const batches = [0, 1].map((i) => feed(seededImages(32, dims, 100 + i)));
    const ranges = await calibrate(fp32, batches, calibrationTargets(decodeModel(fp32)).calibratable);
    const stemOutput = quantized.report.activations.map((activation) => activation.tensor).find((tensor) => tensor !== 'x') ?? '';
    const kept = quantizeStatic(fp32, ranges, { keepFloat: ['x', stemOutput] });
    const graph = decodeModel(kept.model).graph;
    if (!graph) throw new Error('no graph');
    for (const tensor of ['x', stemOutput]) expect(readers(graph, tensor).map((node) => node.opType)).not.toContain('QuantizeLinear');
    expect(kept.report.activations.map((activation) => activation.tensor)).not.toContain('x');
    expect(kept.report.skipped.filter((s) => /input x kept float on request/.test(s.reason))).toHaveLength(1);
    expect(kept.report.notes).toContain(`2 activation(s) kept float on request: x, ${stemOutput}`);
    const ops = await optimizedOps(kept.model, join(workDir, 'optimized-kept.onnx'));
    expect(count(ops, /^com\.microsoft:QLinearConv$/)).toBeLessThan(4);
    const x = seededImages(ROWS, dims, 9);
    const { agreement } = compareLogits(await logits(fp32, x), await logits(kept.model, x), 10);
    expect(agreement).toBeGreaterThanOrEqual(0.97);
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
