/**
 * Part 1 of the agent bench: in-process agent.predict against a bare session.run (rates, a
 * calibration, the answers compared) and the breakdown of where agent.predict's time goes, each
 * step alone and in situ, beside the JSON path's steps and their former implementations.
 */
import ortNode from 'onnxruntime-node';
import type { Agent } from '@edgefleet/agent';
import { tensorFromJson, tensorToJson } from '@edgefleet/protocol';
import type { Prediction } from '../../../../agent/src/agent';
import { msgIdSource, predictionIdsOf, predictionReaderOf, readPredicted, typedTensorOf, type TypedTensor } from '@edgefleet/device-core';
import { checkTypedInputs, parsePredictBody } from '../../../../agent/src/core/predict-request';
import { StatsRecorder } from '../../../../agent/src/stats-recorder';
import { interleavedPerCallMicros, interleavedRates, median, silentLogger } from '../measure';
import type { Counts } from './counts';
import { formerEncode, formerParse } from './former-json';
import { bareSession, type BenchModel } from './models';

/** Largest |a - b| over every output element (Infinity when names, dims or lengths differ). */
function maxDifference(a: Record<string, TypedTensor>, b: ortNode.InferenceSession.OnnxValueMapType): number {
  let worst = 0;
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return Infinity;
  for (const name of names) {
    const x = a[name];
    const y = b[name];
    if (!x || !y || x.type !== y.type || x.dims.join() !== y.dims.join() || x.data.length !== y.data.length) return Infinity;
    for (let i = 0; i < x.data.length; i++) worst = Math.max(worst, Math.abs(Number(x.data[i]) - Number((y.data as ArrayLike<number | bigint>)[i])));
  }
  return worst;
}

export interface ThroughputFigures {
  model: BenchModel;
  rates: { subject: number; baseline: number; ratio: number };
  /** the same, reading every call's prediction ids */
  ratesWithIds: { subject: number; baseline: number; ratio: number };
  /** calibration: a second bare session of the same model against the first, same method (1 on a quiet machine) */
  calibration: { subject: number; baseline: number; ratio: number };
  /** largest |agent - bare| over the outputs of the same inputs */
  maxDiff: number;
  /** each step alone in a hot loop, and timed right after a real session.run (where agent.predict runs it) */
  steps: Array<{ step: string; micros: number; inSitu: number }>;
  /** session.run itself in the in-situ loop, and alone on prebuilt tensors */
  inSituRunMicros: number;
  prebuiltRunMicros: number;
  /** the JSON path's validation and id encoding beside the former ones (not part of agent.predict) */
  jsonSteps: Array<{ step: string; micros: number }>;
  agentMicros: number;
  agentWithIdsMicros: number;
  bareMicros: number;
  /** diagnostic: bare session.run on a session with intraOpNumThreads 1 */
  bareSingleMicros: number;
  chunk: number;
}

const readIds = async (pending: Promise<Prediction>): Promise<number> => (await pending).predictionIds.length;

/**
 * Each step timed where agent.predict runs it: `calls` times, the steps marked `afterRun` right
 * after a real session.run, the others right before it, one clock read pair around each step
 * (its own cost, measured on an empty step, taken off). Medians per step, in microseconds.
 */
async function inSituMicros(run: () => Promise<unknown>, steps: ReadonlyArray<{ call: () => unknown; afterRun: boolean }>, calls: number): Promise<{ steps: number[]; run: number }> {
  const times = steps.map((): number[] => []);
  const runs: number[] = [];
  const empty: number[] = [];
  const timeStep = (i: number) => {
    const step = steps[i] as { call: () => unknown };
    const start = performance.now();
    step.call();
    times[i]?.push((performance.now() - start) * 1000);
  };
  for (let c = 0; c < calls; c++) {
    for (let i = 0; i < steps.length; i++) if (!steps[i]?.afterRun) timeStep(i);
    const start = performance.now();
    await run();
    const ran = performance.now();
    runs.push((ran - start) * 1000);
    for (let i = 0; i < steps.length; i++) if (steps[i]?.afterRun) timeStep(i);
    const before = performance.now();
    empty.push((performance.now() - before) * 1000);
  }
  const clock = median(empty);
  return { steps: times.map((t) => Math.max(0, median(t) - clock)), run: median(runs) };
}

export async function measureThroughput(model: BenchModel, agent: Agent, bare: Awaited<ReturnType<typeof bareSession>>, counts: Counts): Promise<ThroughputFigures> {
  const calls = model.model === 'vad' ? counts.sileroCalls : counts.tabularCalls;
  const predict = () => agent.predict(model.typed);
  const predictWithIds = () => readIds(agent.predict(model.typed));
  const maxDiff = maxDifference((await predict()).outputs, await bare.run());
  const rates = await interleavedRates(predict, bare.run, counts.rounds, calls, Math.min(500, calls));
  const ratesWithIds = await interleavedRates(predictWithIds, bare.run, counts.rounds, calls, Math.min(200, calls));
  const other = await bareSession(model.bytes, model.typed);
  const calibration = await interleavedRates(other.run, bare.run, counts.rounds, calls, Math.min(200, calls)).finally(() => other.session.release());

  // Each step of agent.predict alone, on the same request (per-call medians over chunks); the
  // statistics on a recorder of their own for the same release (the agent's is inside it).
  const release = model.release;
  const { chunks } = counts;
  const chunk = model.model === 'vad' ? counts.sileroChunk : counts.tabularChunk;
  const stats = new StatsRecorder({ device: model.device, now: () => new Date(), random: Math.random, msgId: msgIdSource(), sink: async () => undefined, logger: silentLogger });
  stats.activate(release);
  const ids = { device: model.device, now: () => new Date(), nonce: msgIdSource() };
  const feeds: Record<string, ortNode.Tensor> = {};
  for (const [name, t] of Object.entries(model.typed)) feeds[name] = new ortNode.Tensor(t.type, t.data, t.dims);
  const raw = await bare.session.run(feeds);
  const typedOutputs = (): Record<string, TypedTensor> => {
    const out: Record<string, TypedTensor> = {};
    for (const [name, tensor] of Object.entries(raw)) {
      const typed = typedTensorOf(tensor.type, tensor.data, tensor.dims);
      if (typed) out[name] = typed;
    }
    return out;
  };
  const outputs = typedOutputs();
  // Derived once per release, as the agent does.
  const reader = predictionReaderOf(release);
  const predicted = readPredicted(reader, model.typed, outputs);
  const idInput = { device: ids.device, release, at: Date.now(), nonce: ids.nonce(), predicted };
  // In agent.predict's order: checks and tensors before the run, the rest after it.
  const stepCalls: Array<{ step: string; call: () => unknown; afterRun: boolean }> = [
    { step: 'checkTypedInputs: names, types, dims, lengths', call: () => checkTypedInputs(model.typed, release.io.inputs), afterRun: false },
    {
      step: 'typed arrays -> ort.Tensor (no copy; the baseline does it too)',
      call: () => {
        for (const t of Object.values(model.typed)) void new ortNode.Tensor(t.type, t.data, t.dims);
      },
      afterRun: false,
    },
    { step: 'outputs as typed tensors (typedTensorOf)', call: typedOutputs, afterRun: true },
    { step: 'statistics: StatsRecorder.record', call: () => stats.record(release, model.typed, outputs, 0.1), afterRun: true },
    { step: 'predicted values (prediction-summary.ts readPredicted)', call: () => readPredicted(reader, model.typed, outputs), afterRun: true },
    { step: 'clock for the ids (Date.now: no clock injected)', call: () => Date.now(), afterRun: true },
  ];
  const json = parsePredictBody(model.body, release.io.inputs).json;
  const jsonStepCalls: Array<{ step: string; call: () => unknown }> = [
    { step: 'prediction ids when read (predictionIdsOf, fast encoder)', call: () => predictionIdsOf(idInput) },
    { step: '  former zod-validated encoder, same ids', call: () => predicted.map((p, row) => formerEncode({ device: ids.device, model: release.model, version: release.version, at: idInput.at, nonce: idInput.nonce, row, ...(p === undefined ? {} : { predicted: p }) })) },
    { step: 'POST body: parsePredictBody (one pass, JSON -> typed)', call: () => parsePredictBody(model.body, release.io.inputs) },
    {
      step: '  former: zod body schema + checkInputs + tensorFromJson',
      call: () => {
        for (const tensor of Object.values(formerParse(model.body, release))) void tensorFromJson(tensor);
      },
    },
    {
      step: 'outputs -> JSON for the answer (tensorToJson)',
      call: () => {
        for (const tensor of Object.values(raw)) void tensorToJson(tensor.type, tensor.data, tensor.dims);
      },
    },
  ];
  if (Object.keys(json).length !== Object.keys(model.typed).length) throw new Error('parsePredictBody lost an input');
  // Diagnostic: the same model on a session with one intra-op thread (no thread pool to hand
  // work to and wake between requests), beside the default the agent and the baseline use.
  const single = await ortNode.InferenceSession.create(model.bytes, { logSeverityLevel: 3, intraOpNumThreads: 1 });
  const singleFeeds = () => {
    const feedsNow: Record<string, ortNode.Tensor> = {};
    for (const [name, t] of Object.entries(model.typed)) feedsNow[name] = new ortNode.Tensor(t.type, t.data, t.dims);
    return single.run(feedsNow);
  };
  try {
    // The steps, session.run, the whole path (without and with ids), the bare baseline and the diagnostic, measured in turn within every chunk.
    const all = [...stepCalls, { step: 'session.run (prebuilt tensors)', call: () => bare.session.run(feeds) }, ...jsonStepCalls];
    const micros = await interleavedPerCallMicros([...all.map((s) => s.call), predict, predictWithIds, bare.run, singleFeeds], chunks, chunk);
    const n = all.length;
    const at = (i: number) => micros[i] ?? Number.NaN;
    const inSitu = await inSituMicros(() => bare.session.run(feeds), stepCalls, chunks * chunk);
    return {
      model,
      rates,
      ratesWithIds,
      calibration,
      maxDiff,
      steps: stepCalls.map((s, i) => ({ step: s.step, micros: at(i), inSitu: inSitu.steps[i] ?? Number.NaN })),
      inSituRunMicros: inSitu.run,
      prebuiltRunMicros: at(stepCalls.length),
      jsonSteps: jsonStepCalls.map((s, i) => ({ step: s.step, micros: at(stepCalls.length + 1 + i) })),
      agentMicros: at(n),
      agentWithIdsMicros: at(n + 1),
      bareMicros: at(n + 2),
      bareSingleMicros: at(n + 3),
      chunk,
    };
  } finally {
    await single.release();
    await stats.stop();
  }
}
