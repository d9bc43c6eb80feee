/**
 * Given Silero VAD v5 (a third-party model: If branches per sample rate, Conv + LSTM weights as
 * Constant nodes inside them, no initializers at all), when it is quantized weights-only and
 * static, then the file shrinks to ~0.3x, runs in onnxruntime-node and -web, and its speech
 * probability over 50 seeded speech-like frames (recurrent state carried) stays within a measured
 * tolerance of fp32. Also records what `disable_quant_qdq` does in each runtime.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { calibrate } from '../../../src/adapters/calibration';
import { calibrationTargets } from '../../../src/core/quantize/calibration-targets';
import { decodeModel } from '../../../src/core/quantize/model-codec';
import { quantizeStatic } from '../../../src/core/quantize/quantize-static';
import { quantizeWeightsOnly } from '../../../src/core/quantize/quantize-weights-only';
import { medianMicros, openSession, type RuntimeName } from './runtimes';
import { speechLikeFrames } from './speech-like';

const require = createRequire(import.meta.url);
const SILERO = readFileSync(require.resolve('@ricky0123/vad-web/dist/silero_vad_v5.onnx'));
const FRAMES = speechLikeFrames(50, 42);
/** Measured: weights-only max |Δp| 0.0133 in node and web (speech-like frames, seed 42); margin for other CPUs. */
const TOLERANCE = 0.02;
const QDQ_FOLDED = { session: { disable_quant_qdq: '1' } };

async function probabilities(runtime: RuntimeName, model: Uint8Array, extra?: Record<string, unknown>): Promise<{ p: number[]; micros: number }> {
  const session = await openSession(runtime, model, extra);
  const sr = { type: 'int64' as const, data: BigInt64Array.of(16000n), dims: [] };
  try {
    let state: Float32Array = new Float32Array(2 * 128);
    const p: number[] = [];
    for (const frame of FRAMES) {
      const out = await session.run({ input: { type: 'float32', data: frame, dims: [1, 512] }, state: { type: 'float32', data: state, dims: [2, 1, 128] }, sr });
      p.push(out['output']?.[0] ?? Number.NaN);
      state = out['stateN'] ?? state;
    }
    const first = FRAMES[0] ?? new Float32Array(512);
    const zero = new Float32Array(256);
    const micros = await medianMicros(30, () => session.run({ input: { type: 'float32', data: first, dims: [1, 512] }, state: { type: 'float32', data: zero, dims: [2, 1, 128] }, sr }));
    return { p, micros };
  } finally {
    await session.release();
  }
}

const maxDiff = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - (b[i] ?? Number.NaN))));

describe('Silero VAD v5', () => {
  const reference: Partial<Record<RuntimeName, { p: number[]; micros: number }>> = {};
  beforeAll(async () => {
    reference.node = await probabilities('node', SILERO);
    reference.web = await probabilities('web', SILERO);
    expect(Math.max(...(reference.node?.p ?? []))).toBeGreaterThan(0.5); // the frames do read as speech
  });

  it('weights-only: every Conv/LSTM weight inside the If branches becomes int8 + DequantizeLinear', async () => {
    const { model, report } = quantizeWeightsOnly(SILERO);
    expect(report.initializersConverted).toBe(14);
    expect(report.weights.every((w) => w.graph.startsWith('main/If_0.'))).toBe(true);
    expect(report.ratio).toBeLessThanOrEqual(0.31); // 0.305: 144 KB of names and structure do not shrink
    const stripped = quantizeWeightsOnly(SILERO, { stripNodeNames: true });
    expect(stripped.report.ratio).toBeLessThanOrEqual(0.3);

    for (const runtime of ['node', 'web'] as const) {
      const base = reference[runtime] ?? { p: [], micros: 0 };
      const plain = await probabilities(runtime, model);
      const folded = await probabilities(runtime, model, QDQ_FOLDED);
      const strippedRun = await probabilities(runtime, stripped.model, QDQ_FOLDED);
      expect(maxDiff(base.p, plain.p)).toBeLessThanOrEqual(TOLERANCE);
      expect(maxDiff(base.p, folded.p)).toBeLessThanOrEqual(TOLERANCE);
      expect(maxDiff(folded.p, strippedRun.p)).toBe(0);
    }
  });

  it('static: nothing to calibrate outside the If, so every weighted node falls back to weight-only, and says so', async () => {
    const targets = calibrationTargets(decodeModel(SILERO));
    expect(targets.calibratable).toEqual([]);
    expect(targets.unreachable.length).toBe(12);
    const batch = { input: { type: 'float32', data: FRAMES[0] ?? new Float32Array(512), dims: [1, 512] }, state: { type: 'float32', data: new Float32Array(256), dims: [2, 1, 128] }, sr: { type: 'int64', data: BigInt64Array.of(16000n), dims: [] } };
    const ranges = await calibrate(SILERO, [batch], targets.unreachable.map((u) => u.tensor));
    expect(ranges).toEqual({});
    const { model, report } = quantizeStatic(SILERO, ranges);
    expect(report.activations).toEqual([]);
    expect(report.skipped.filter((s) => /cannot be exposed for calibration/.test(s.reason))).toHaveLength(12);
    expect(report.ratio).toBeLessThanOrEqual(0.31);
    for (const runtime of ['node', 'web'] as const) {
      const diff = maxDiff(reference[runtime]?.p ?? [], (await probabilities(runtime, model, QDQ_FOLDED)).p);
      expect(diff).toBeLessThanOrEqual(TOLERANCE);
    }
  });
});
