/**
 * DRIFT goal "agent cost per prediction for statistics <= 5% of the inference time of the demo
 * model": Silero VAD v5 in onnxruntime-node, with a reference profile built here (hub's
 * builder) on seeded speech-like frames: 16 numeric features (columns 0..15 of `input`), the
 * numeric `output`, and a standardized-distance OOD score. The baseline is a bare
 * `session.run` in the same process; the cost is the agent accumulator's `record` per
 * prediction, on the tensors onnxruntime returns and on the JSON tensors the local API carries.
 */
import ortNode from 'onnxruntime-node';
import type { ReleaseManifest } from '@edgefleet/protocol';
import { StatsAccumulator, type StatsTensors } from '@edgefleet/device-core';
import { buildReferenceProfile } from '../../../hub/src/core/reference-profile';
import { speechLikeFrames } from '../../../hub/src/core/quantize/speech-like';
import { fixed, goal, table, withGoal } from './report';
import { SILERO_BYTES } from './silero-bench';

const FEATURES = 16;
const FRAMES = speechLikeFrames(400, 512, 7);
const GOAL_PERCENT = 5;

export interface StatsCostFigures {
  runMicros: number;
  recordMicros: number;
  recordJsonMicros: number;
  closeMicros: number;
}

const feedsOf = (frame: Float32Array, state: Float32Array) => ({
  input: new ortNode.Tensor('float32', frame, [1, 512]),
  state: new ortNode.Tensor('float32', state, [2, 1, 128]),
  sr: new ortNode.Tensor('int64', BigInt64Array.of(16000n), []),
});

function releaseWith(reference: ReleaseManifest['reference']): ReleaseManifest {
  return {
    type: 'release',
    v: 1,
    model: 'vad',
    version: '1',
    releaseCounter: 1,
    artifact: { sha256: '0'.repeat(64), size: SILERO_BYTES.length, url: 'http://127.0.0.1/artifacts/x' },
    format: 'onnx',
    quantization: 'none',
    io: {
      inputs: [
        { name: 'input', type: 'float32', shape: ['', ''] },
        { name: 'state', type: 'float32', shape: [2, '', 128] },
        { name: 'sr', type: 'int64', shape: [] },
      ],
      outputs: [{ name: 'output', type: 'float32', shape: ['', 1] }],
    },
    compat: {},
    reference,
    probe: { inputs: {}, expected: {}, tolerance: { abs: 0, rel: 0 } },
    lineage: {},
    createdAt: new Date(0).toISOString(),
  };
}

/** Median of per-call times, each measured over a chunk of `chunk` calls (sub-microsecond work). */
function medianChunkMicros(call: (i: number) => void, chunks: number, chunk: number): number {
  for (let i = 0; i < chunk * 5; i++) call(i);
  const times: number[] = [];
  for (let c = 0; c < chunks; c++) {
    const start = performance.now();
    for (let i = 0; i < chunk; i++) call(c * chunk + i);
    times.push(((performance.now() - start) * 1000) / chunk);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

export async function measureStatsCost(runs = 2000): Promise<StatsCostFigures> {
  const session = await ortNode.InferenceSession.create(SILERO_BYTES, { logSeverityLevel: 3 });
  try {
    // Reference data: the frames and the model's answers on them (fresh state per frame).
    const outputs: number[] = [];
    const recorded: Array<{ inputs: StatsTensors; outputs: StatsTensors }> = [];
    for (const frame of FRAMES) {
      const out = await session.run(feedsOf(frame, new Float32Array(256)));
      outputs.push(Number(out['output']?.data[0] ?? NaN));
      recorded.push({ inputs: { input: { dims: [1, 512], data: frame } }, outputs: { output: { dims: [1, 1], data: out['output']?.data as Float32Array } } });
    }
    const columns = Array.from({ length: FEATURES }, (_, j) => Float64Array.from(FRAMES, (frame) => frame[j] as number));
    const base = buildReferenceProfile({
      rows: FRAMES.length,
      features: columns.map((values, j) => ({ name: `s${j}`, kind: 'numeric', source: { input: 'input', index: j }, values })),
      outputs: [{ name: 'output', kind: 'numeric', values: outputs }],
    });
    const distance = FRAMES.map((frame) => {
      let sum = 0;
      base.features.forEach((f, j) => {
        if (f.kind === 'numeric' && f.bins.sd > 0) sum += (((frame[j] as number) - f.bins.mean) / f.bins.sd) ** 2;
      });
      return Math.sqrt(sum / FEATURES);
    });
    const reference = buildReferenceProfile({
      rows: FRAMES.length,
      features: columns.map((values, j) => ({ name: `s${j}`, kind: 'numeric', source: { input: 'input', index: j }, values })),
      outputs: [{ name: 'output', kind: 'numeric', values: outputs }],
      ood: { score: 'standardized-distance', values: distance },
    });
    const accumulator = new StatsAccumulator(releaseWith(reference), { device: 'bench', now: new Date(), msgId: () => 'bench-window-id' });

    const first = feedsOf(FRAMES[0] ?? new Float32Array(512), new Float32Array(256));
    const runTimes: number[] = [];
    for (let i = 0; i < 50; i++) await session.run(first);
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await session.run(first);
      runTimes.push(performance.now() - start);
    }
    runTimes.sort((a, b) => a - b);
    const runMicros = (runTimes[Math.floor(runTimes.length / 2)] ?? 0) * 1000;

    const pick = (i: number) => recorded[i % recorded.length] as (typeof recorded)[number];
    const recordMicros = medianChunkMicros((i) => accumulator.record(pick(i).inputs, pick(i).outputs, 0.3), 200, 200);
    // The local API path: JSON tensors (plain arrays), as parsed from a /v1/predict body.
    const json = recorded.map((r) => ({
      inputs: { input: { dims: [1, 512], data: Array.from(r.inputs['input']?.data as Float32Array) } },
      outputs: { output: { dims: [1, 1], data: Array.from(r.outputs['output']?.data as Float32Array) } },
    }));
    const recordJsonMicros = medianChunkMicros((i) => accumulator.record(json[i % json.length]!.inputs, json[i % json.length]!.outputs, 0.3), 200, 200);
    const closeMicros = medianChunkMicros(() => void accumulator.close(new Date()), 50, 20);
    return { runMicros, recordMicros, recordJsonMicros, closeMicros };
  } finally {
    await session.release();
  }
}

export async function statsCostSection(): Promise<string> {
  const f = await measureStatsCost();
  const percent = (us: number) => (100 * us) / f.runMicros;
  const row = (what: string, us: number): string[] => [what, `${fixed(us, 2)} us`, withGoal(`${fixed(percent(us), 2)}%`, goal(`<= ${GOAL_PERCENT}%`, percent(us) <= GOAL_PERCENT))];
  return [
    `Statistics cost per prediction (agent accumulator), Silero VAD v5 in onnxruntime-node, batch 1: ${FEATURES} input features + output + standardized-distance OOD on reference bins; baseline = bare session.run, median ${fixed(f.runMicros, 1)} us`,
    table(
      ['statistics work', 'per prediction', 'share of inference'],
      [
        row('record (onnxruntime tensors)', f.recordMicros),
        row('record (JSON tensors, local API path)', f.recordJsonMicros),
        [`close + snapshot (once per window, not per prediction)`, `${fixed(f.closeMicros, 2)} us`, ''],
      ],
    ),
  ].join('\n');
}
