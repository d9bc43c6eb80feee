/**
 * Silero VAD v5 (third-party): fp32 vs weight-only int8 (node names stripped, as the hub's
 * quantize route does), in both runtimes: speech probability over seeded speech-like frames with
 * the recurrent state carried, and median latency of one 512-sample frame.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { quantizeWeightsOnly } from '../../../hub/src/core/quantize/quantize-weights-only';
import { speechLikeFrames } from '../../../hub/src/core/quantize/speech-like';
import { medianMicros, openRunner, type RuntimeName } from './runtimes';

const require = createRequire(import.meta.url);
export const SILERO_BYTES = new Uint8Array(readFileSync(require.resolve('@ricky0123/vad-web/dist/silero_vad_v5.onnx')));
const FRAMES = speechLikeFrames(200, 512, 42);
const SR = { type: 'int64' as const, data: BigInt64Array.of(16000n), dims: [] };
/** A frame agrees when |p_int8 - p_fp32| <= 0.02 + 0.02 p_fp32 (the hub's default agreement rule). */
const agrees = (reference: number, candidate: number): boolean => Math.abs(candidate - reference) <= 0.02 + 0.02 * Math.abs(reference);

export interface SileroFigures {
  variant: string;
  runtime: RuntimeName;
  bytes: number;
  probabilities: number[];
  micros1: number;
}

export function sileroInt8(): Uint8Array {
  return quantizeWeightsOnly(SILERO_BYTES, { stripNodeNames: true }).model;
}

export async function measureSilero(variant: string, bytes: Uint8Array, runtime: RuntimeName, foldQdq: boolean, runs: number): Promise<SileroFigures> {
  const runner = await openRunner(runtime, bytes, foldQdq);
  try {
    let state: Float32Array = new Float32Array(256);
    const probabilities: number[] = [];
    for (const frame of FRAMES) {
      const out = await runner.run({ input: { type: 'float32', data: frame, dims: [1, 512] }, state: { type: 'float32', data: state, dims: [2, 1, 128] }, sr: SR });
      probabilities.push(out['output']?.[0] ?? Number.NaN);
      state = out['stateN'] ?? state;
    }
    const first = { input: { type: 'float32' as const, data: FRAMES[0] ?? new Float32Array(512), dims: [1, 512] }, state: { type: 'float32' as const, data: new Float32Array(256), dims: [2, 1, 128] }, sr: SR };
    const micros1 = await medianMicros(() => runner.run(first), runs);
    return { variant, runtime, bytes: bytes.length, probabilities, micros1 };
  } finally {
    await runner.release();
  }
}

/** Within-tolerance agreement, speech/silence decision agreement at p = 0.5, and the largest |dp|. */
export function agreementOf(reference: number[], candidate: number[]): { agreement: number; decisions: number; maxAbsDiff: number } {
  let agreeing = 0;
  let decisions = 0;
  let maxAbsDiff = 0;
  reference.forEach((p, i) => {
    const q = candidate[i] ?? Number.NaN;
    if (agrees(p, q)) agreeing++;
    if (p > 0.5 === q > 0.5) decisions++;
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(q - p));
  });
  return { agreement: agreeing / reference.length, decisions: decisions / reference.length, maxAbsDiff };
}
