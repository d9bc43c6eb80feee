/**
 * What the agent costs on top of onnxruntime-node (PERF.md: "an agent's own overhead
 * (validation, statistics, HTTP) is what decides its throughput on small models: measure it
 * against a bare session.run in the same process"). One real hub (HTTP, SQLite, aedes), two real
 * agents started with startAgent, each pinned to one model: the demo's machine-health MLP
 * (4 -> 16 -> 3, trained here by the hub's trainer, with a reference profile, so statistics and
 * prediction ids do their real work) and Silero VAD v5 (third-party, 512-sample frames).
 *
 * 1. In-process predict throughput: the real agent's `agent.predict(inputs)` (typed arrays in,
 *    typed arrays out, statistics recorded, prediction ids encoded on first read) vs a bare
 *    session.run on the same model and inputs (goal >= 0.95), and the same with the ids read,
 *    finely interleaved; beside them a calibration (a second bare session against the first, by
 *    the same method) shows how far this shared machine's noise alone moves a ratio. The answers
 *    are checked against the bare session's. A breakdown times each step of that path alone and
 *    right after a real session.run, and the JSON path's validation and id encoding beside the
 *    former ones (zod body schema + element checks; zod-validated id encoder), kept here as
 *    references.
 * 2. POST /v1/predict on the real agent's local API vs the in-process call: latency p50/p99
 *    over sequential requests, alternating the two, and the overhead in microseconds.
 * 3. Memory and start-up: the agent CLI (agent/src/main.ts) in its own process, serving Silero
 *    from disk after the install above, vs a bare Node process that only loads onnxruntime-node,
 *    opens the same model and runs it once.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ortNode from 'onnxruntime-node';
import { z } from 'zod';
import { startAgent, type Agent } from '@edgefleet/agent';
import { startHub, type Hub } from '@edgefleet/hub';
import type { PredictionRef, ReleaseManifest, TensorJson } from '@edgefleet/protocol';
import { describeIssues, deviceIdSchema, modelNameSchema, predictedValueSchema, tensorFromJson, tensorJsonSchema, tensorToJson, toBase64, utf8Encode, versionLabelSchema } from '@edgefleet/protocol';
import type { Prediction } from '../../../agent/src/agent';
import type { PredictResponse } from '../../../agent/src/adapters/local-api';
import { msgIdSource } from '../../../agent/src/core/msg-id';
import { checkInputs, checkTypedInputs, parsePredictBody } from '../../../agent/src/core/predict-request';
import { predictionIdsOf, predictionReaderOf, readPredicted } from '../../../agent/src/core/prediction-summary';
import { typedTensorOf, type TypedTensor } from '../../../agent/src/core/tensors';
import { StatsRecorder } from '../../../agent/src/stats-recorder';
import { speechLikeFrames } from '../../../hub/src/core/quantize/speech-like';
import { MACHINE_FEATURES, MACHINE_TARGET, machineCsv, machineRows } from '../demo/machine-data';
import {
  MEMORY_REPORTER_URL,
  adminCall,
  childMemory,
  machineLine,
  interleavedPerCallMicros,
  median,
  mib,
  interleavedRates,
  quantile,
  silentLogger,
  spawnLines,
  waitFor,
  type MemoryFigures,
} from './measure';
import { fixed, goal, table, withGoal } from './report';

const require = createRequire(import.meta.url);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SILERO_PATH = require.resolve('@ricky0123/vad-web/dist/silero_vad_v5.onnx');
const SILERO_PROBE = encodeURIComponent(JSON.stringify({ input: { dims: [1, 512] }, sr: { dims: [], data: [16000] } }));
const GOAL_RATIO = 0.95;

interface Counts {
  /** blocks of the throughput figure, and calls of each side per block per model (interleaved in runs of 10) */
  rounds: number;
  tabularCalls: number;
  sileroCalls: number;
  /** sequential requests per model for the latency figure */
  tabularRequests: number;
  sileroRequests: number;
  /** chunks x calls (per model) for each step of the breakdown */
  chunks: number;
  tabularChunk: number;
  sileroChunk: number;
  /** measured spawns of each process, after `warmSpawns` unmeasured ones of each */
  spawns: number;
  warmSpawns: number;
  idleMs: number;
  trainEpochs: number;
}

const COUNTS: Record<'quick' | 'full', Counts> = {
  quick: { rounds: 15, tabularCalls: 200, sileroCalls: 30, tabularRequests: 500, sileroRequests: 300, chunks: 15, tabularChunk: 100, sileroChunk: 10, spawns: 1, warmSpawns: 0, idleMs: 500, trainEpochs: 10 },
  full: { rounds: 41, tabularCalls: 500, sileroCalls: 60, tabularRequests: 3000, sileroRequests: 2000, chunks: 41, tabularChunk: 200, sileroChunk: 20, spawns: 3, warmSpawns: 1, idleMs: 3000, trainEpochs: 40 },
};

// ---- the former JSON validation and id encoder, as references for the breakdown ----

/** The local API's body check before the one-pass parser: a zod schema, then every element again. */
const formerBodySchema = z.strictObject({ inputs: z.record(z.string(), tensorJsonSchema) });
function formerParse(body: unknown, release: ReleaseManifest): Record<string, TensorJson> {
  const parsed = formerBodySchema.safeParse(body);
  if (!parsed.success) throw new Error(describeIssues(parsed.error));
  return checkInputs(parsed.data.inputs, release.io.inputs, 'inputs');
}

/** encodePredictionId before its fast path: zod parse of the object it built, JSON, UTF-8, base64, three replaces. */
const formerIdSchema = z.strictObject({
  d: deviceIdSchema,
  m: modelNameSchema,
  v: versionLabelSchema,
  t: z.number().int().min(0).max(8_640_000_000_000_000),
  n: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  i: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  p: predictedValueSchema.optional(),
});
function formerEncode(ref: PredictionRef): string {
  const compact = { d: ref.device, m: ref.model, v: ref.version, t: ref.at, n: ref.nonce, i: ref.row, ...(ref.predicted === undefined ? {} : { p: ref.predicted }) };
  const parsed = formerIdSchema.parse(compact);
  return toBase64(utf8Encode(JSON.stringify(parsed))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

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

// ---- models and inputs ----

interface BenchModel {
  label: string;
  model: string;
  version: string;
  device: string;
  release: ReleaseManifest;
  bytes: Uint8Array;
  /** the /v1/predict body */
  body: { inputs: Record<string, TensorJson> };
  /** the same values as typed arrays, for agent.predict and the bare session */
  typed: Record<string, TypedTensor>;
}

function sileroInputs(): BenchModel['body'] {
  const frame = speechLikeFrames(1, 512, 7)[0] as Float32Array;
  return {
    inputs: {
      input: { type: 'float32', dims: [1, 512], data: Array.from(frame) },
      state: { type: 'float32', dims: [2, 1, 128], data: new Array<number>(256).fill(0) },
      sr: { type: 'int64', dims: [], data: [16000] },
    },
  };
}

function tabularInputs(release: ReleaseManifest): BenchModel['body'] {
  const [input, ...rest] = release.io.inputs;
  if (!input || rest.length > 0 || input.type !== 'float32' || input.shape.length !== 2 || input.shape[1] !== MACHINE_FEATURES.length) {
    throw new Error(`the trained model's inputs are not one float32 [N, ${MACHINE_FEATURES.length}]: ${JSON.stringify(release.io.inputs)}`);
  }
  const row = machineRows(1, 99)[0];
  if (!row) throw new Error('no machine row');
  return { inputs: { [input.name]: { type: 'float32', dims: [1, MACHINE_FEATURES.length], data: MACHINE_FEATURES.map((f) => Math.fround(row.readings[f])) } } };
}

function typedOf(body: BenchModel['body']): BenchModel['typed'] {
  return Object.fromEntries(
    Object.entries(body.inputs).map(([name, t]) => [
      name,
      t.type === 'int64' ? { type: 'int64', data: BigInt64Array.from(t.data, (v) => BigInt(Number(v))), dims: t.dims } satisfies TypedTensor : { type: 'float32', data: Float32Array.from(t.data, Number), dims: t.dims } satisfies TypedTensor,
    ]),
  );
}

/** A bare session on the same bytes, created as the agent creates its own (LoadedModel.load). */
async function bareSession(bytes: Uint8Array, typed: BenchModel['typed']): Promise<{ run: () => Promise<ortNode.InferenceSession.OnnxValueMapType>; session: ortNode.InferenceSession }> {
  const session = await ortNode.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const entries = Object.entries(typed);
  // A caller with typed arrays wraps them in tensors per call (cheap: no copy).
  const run = () => {
    const feeds: Record<string, ortNode.Tensor> = {};
    for (const [name, t] of entries) feeds[name] = new ortNode.Tensor(t.type, t.data, t.dims);
    return session.run(feeds);
  };
  return { run, session };
}

// ---- the hub side: train, upload, enrol, pin ----

interface Fleet {
  hub: Hub;
  dir: string;
  models: BenchModel[];
  agents: Map<string, { agent: Agent; secret: string; dataDir: string }>;
  trainSeconds: number;
}

async function setUp(counts: Counts): Promise<Fleet> {
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-agent-bench-'));
  const never = '0 0 1 1 *';
  const hub = await startHub({ dataDir: join(dir, 'hub'), httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: 'bench-admin-token-0123456789', logger: silentLogger, rolloutSchedule: never, driftSchedule: never, retrainSchedule: never });
  const fleet: Fleet = { hub, dir, models: [], agents: new Map(), trainSeconds: 0 };
  try {
    // The demo's tabular model: machine-health MLP 4 -> 16 -> 3 on 3,000 seeded rows (its v2 recipe).
    const dataset = await adminCall<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=machines', undefined, { bytes: machineCsv(3000, 1), contentType: 'text/csv' });
    const trainStart = performance.now();
    const run = await adminCall<{ id: string }>(hub, 'POST', '/api/v1/training-runs', {
      dataset: dataset.id,
      target: MACHINE_TARGET,
      task: 'classification',
      trainer: 'mlp',
      params: { hidden: [16], epochs: counts.trainEpochs },
      model: 'machine-health',
      version: '1',
      seed: 1,
    });
    const done = await waitFor(
      'the training run',
      async () => {
        const r = await adminCall<{ status: string; error: unknown }>(hub, 'GET', `/api/v1/training-runs/${run.id}`);
        return ['succeeded', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
      },
      180_000,
      100,
    );
    if (done.status !== 'succeeded') throw new Error(`training ${done.status}: ${JSON.stringify(done.error)}`);
    fleet.trainSeconds = (performance.now() - trainStart) / 1000;
    await adminCall(hub, 'POST', `/api/v1/models/vad/versions?version=1&probe=${SILERO_PROBE}`, undefined, { bytes: new Uint8Array(readFileSync(SILERO_PATH)), contentType: 'application/octet-stream' });

    const specs = [
      { label: 'machine-health MLP 4-16-3 (tabular, batch 1)', model: 'machine-health', version: '1', device: 'bench-tabular' },
      { label: 'Silero VAD v5 (512-sample frame + state, batch 1)', model: 'vad', version: '1', device: 'bench-vad' },
    ];
    for (const spec of specs) {
      const { secret } = await adminCall<{ secret: string }>(hub, 'POST', '/api/v1/devices', { id: spec.device });
      const dataDir = join(dir, spec.device);
      const agent = await startAgent({ hubUrl: hub.httpUrl, deviceId: spec.device, deviceSecret: secret, dataDir, port: 0, host: '127.0.0.1', logger: silentLogger });
      fleet.agents.set(spec.device, { agent, secret, dataDir });
      await adminCall(hub, 'PUT', `/api/v1/devices/${spec.device}/assignment`, { model: spec.model, version: spec.version });
      await waitFor(`${spec.device} serving ${spec.model}@${spec.version}`, () => {
        const s = agent.status();
        return s.phase === 'serving' && s.active?.model === spec.model && s.active.version === spec.version ? true : undefined;
      });
      const detail = await adminCall<{ manifest: ReleaseManifest }>(hub, 'GET', `/api/v1/models/${spec.model}/versions/${spec.version}`);
      const release = detail.manifest;
      const response = await fetch(`${hub.httpUrl}/artifacts/${release.artifact.sha256}`, { headers: { authorization: `Bearer ${hub.adminToken}` } });
      if (!response.ok) throw new Error(`artifact ${release.artifact.sha256}: ${response.status}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const body = spec.model === 'vad' ? sileroInputs() : tabularInputs(release);
      fleet.models.push({ ...spec, release, bytes, body, typed: typedOf(body) });
    }
    return fleet;
  } catch (error) {
    await tearDown(fleet);
    throw error;
  }
}

async function tearDown(fleet: Fleet): Promise<void> {
  for (const { agent } of fleet.agents.values()) await agent.close().catch(() => undefined);
  await fleet.hub.close();
  await rm(fleet.dir, { recursive: true, force: true });
}

// ---- 1. throughput, with a breakdown of the in-process path ----

interface ThroughputFigures {
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

async function measureThroughput(model: BenchModel, agent: Agent, bare: Awaited<ReturnType<typeof bareSession>>, counts: Counts): Promise<ThroughputFigures> {
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

// ---- 2. HTTP vs in-process latency ----

interface LatencyFigures {
  model: BenchModel;
  inProcess: number[];
  http: number[];
  requestBytes: number;
  responseBytes: number;
  /** the answer over HTTP equals agent.predict's (outputs, model, version, id count) */
  sameAnswer: boolean;
}

function httpPost(url: URL, body: string, agent: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: url.hostname, port: url.port, path: '/v1/predict', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => (response.statusCode === 200 ? resolve(text) : reject(new Error(`POST /v1/predict: ${response.statusCode} ${text.slice(0, 300)}`))));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const jsonOutputs = (outputs: Record<string, TypedTensor>): Record<string, TensorJson> =>
  Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, tensorToJson(t.type, t.data, t.dims)]));

async function measureLatency(model: BenchModel, agent: Agent, requests: number): Promise<LatencyFigures> {
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(agent.localUrl);
  // A client holding the request as an object: serialising it and parsing the answer are part of the HTTP path.
  const overHttp = async (): Promise<PredictResponse> => JSON.parse(await httpPost(url, JSON.stringify(model.body), keepAlive)) as PredictResponse;
  const inProcess = () => agent.predict(model.typed);
  try {
    const first = await overHttp();
    const mine = await inProcess();
    const sameAnswer =
      first.model === mine.model && first.version === mine.version && JSON.stringify(first.outputs) === JSON.stringify(jsonOutputs(mine.outputs)) && first.predictionIds.length === mine.predictionIds.length;
    const requestBytes = Buffer.byteLength(JSON.stringify(model.body));
    const responseBytes = Buffer.byteLength(JSON.stringify(first));
    for (let i = 0; i < 200; i++) {
      await overHttp();
      await inProcess();
    }
    const inProcessTimes: number[] = [];
    const overHttpTimes: number[] = [];
    const time = async (fn: () => Promise<unknown>, into: number[]) => {
      const start = performance.now();
      await fn();
      into.push((performance.now() - start) * 1000);
    };
    for (let i = 0; i < requests; i++) {
      // Alternating which goes first, so neither always follows the other's garbage.
      if (i % 2 === 0) {
        await time(inProcess, inProcessTimes);
        await time(overHttp, overHttpTimes);
      } else {
        await time(overHttp, overHttpTimes);
        await time(inProcess, inProcessTimes);
      }
    }
    return { model, inProcess: inProcessTimes, http: overHttpTimes, requestBytes, responseBytes, sameAnswer };
  } finally {
    keepAlive.destroy();
  }
}

// ---- 3. memory and start-up in separate processes ----

const BARE_CHILD = `
import ort from 'onnxruntime-node';
const t0 = performance.now();
const session = await ort.InferenceSession.create(process.env.BENCH_MODEL_PATH, { logSeverityLevel: 3 });
const t1 = performance.now();
const body = JSON.parse(process.env.BENCH_INPUTS);
const feeds = {};
for (const [name, t] of Object.entries(body.inputs)) {
  feeds[name] = t.type === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(t.data, (v) => BigInt(v)), t.dims) : new ort.Tensor('float32', Float32Array.from(t.data), t.dims);
}
await session.run(feeds);
const t2 = performance.now();
process.stdout.write('ready ' + JSON.stringify({ createMs: t1 - t0, firstRunMs: t2 - t1, uptimeMs: process.uptime() * 1000 }) + '\\n');
setInterval(() => {}, 1 << 30);
`;

const IMPORT_ONLY_CHILD = `
const t0 = performance.now();
await import(${JSON.stringify(pathToFileURL(join(REPO, 'agent/src/index.ts')).href)});
const importMs = performance.now() - t0;
globalThis.gc?.();
process.stdout.write('loaded ' + JSON.stringify({ importMs, memory: process.memoryUsage() }) + '\\n');
process.exit(0);
`;

interface ProcessRun {
  /** spawn -> first answered prediction */
  readyMs: number;
  /** spawn -> the agent's "local API listening" line (agent only) */
  listeningMs?: number;
  memory: MemoryFigures;
}

async function bareProcessRun(inputs: BenchModel['body'], idleMs: number): Promise<ProcessRun> {
  const child = spawnLines(process.execPath, ['--expose-gc', '--import', MEMORY_REPORTER_URL, '--input-type=module', '-e', BARE_CHILD], {
    cwd: REPO,
    env: { ...process.env, BENCH_MODEL_PATH: SILERO_PATH, BENCH_INPUTS: JSON.stringify(inputs) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  try {
    const ready = await child.line((l) => l.startsWith('ready '));
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    return { readyMs: ready.ms, memory: await childMemory(child.child) };
  } finally {
    await child.stop();
  }
}

async function agentProcessRun(hub: Hub, device: string, secret: string, dataDir: string, inputs: BenchModel['body'], idleMs: number): Promise<ProcessRun> {
  // `npm run agent` is `tsx agent/src/main.ts`; the tsx CLI would run the agent in a second
  // process, so the same loader is registered with --import to keep one process to measure.
  const child = spawnLines(process.execPath, ['--expose-gc', '--import', 'tsx', '--import', MEMORY_REPORTER_URL, join(REPO, 'agent/src/main.ts')], {
    cwd: REPO,
    env: { ...process.env, EDGEFLEET_HUB_URL: hub.httpUrl, EDGEFLEET_DEVICE_ID: device, EDGEFLEET_DEVICE_SECRET: secret, EDGEFLEET_AGENT_DATA_DIR: dataDir, EDGEFLEET_AGENT_PORT: '0', EDGEFLEET_BROKER_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  try {
    const listening = await child.line((l) => l.includes('"local API listening"'));
    const url = (JSON.parse(listening.line) as { url?: string }).url;
    if (!url) throw new Error(`no url in ${listening.line}`);
    const response = await fetch(`${url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(inputs) });
    await response.text();
    const readyMs = performance.now() - child.spawnedAt;
    if (response.status !== 200) throw new Error(`agent process answered ${response.status}: not serving from disk`);
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    return { readyMs, listeningMs: listening.ms, memory: await childMemory(child.child) };
  } finally {
    await child.stop();
  }
}

async function importOnly(): Promise<{ importMs: number; memory: MemoryFigures }> {
  const child = spawnLines(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', IMPORT_ONLY_CHILD], { cwd: REPO, env: process.env });
  try {
    const loaded = await child.line((l) => l.startsWith('loaded '));
    return JSON.parse(loaded.line.slice('loaded '.length)) as { importMs: number; memory: MemoryFigures };
  } finally {
    await child.stop();
  }
}

// ---- the section ----

const us = (value: number, digits = 1): string => `${fixed(value, digits)} us`;
const perSecond = (value: number): string => `${Math.round(value).toLocaleString('en-US')}/s`;

export async function agentSection(options: { quick: boolean }): Promise<string> {
  const counts = COUNTS[options.quick ? 'quick' : 'full'];
  const started = performance.now();
  const header = machineLine();
  const fleet = await setUp(counts);
  const phases = { setUp: (performance.now() - started) / 1000, throughput: 0, latency: 0, processes: 0 };
  const lines: string[] = [];
  try {
    // 1 and 2: both in this process, on the real agents' own sessions and a bare session of each model.
    const throughput: ThroughputFigures[] = [];
    const latency: LatencyFigures[] = [];
    for (const model of fleet.models) {
      const agent = fleet.agents.get(model.device)?.agent;
      if (!agent) throw new Error(`no agent for ${model.device}`);
      const bare = await bareSession(model.bytes, model.typed);
      try {
        let t0 = performance.now();
        throughput.push(await measureThroughput(model, agent, bare, counts));
        phases.throughput += (performance.now() - t0) / 1000;
        t0 = performance.now();
        latency.push(await measureLatency(model, agent, model.model === 'vad' ? counts.sileroRequests : counts.tabularRequests));
        phases.latency += (performance.now() - t0) / 1000;
      } finally {
        await bare.session.release();
      }
    }

    // 3: the Silero agent's data dir, now with its model installed, served by the agent CLI.
    const processesStart = performance.now();
    const vad = fleet.models.find((m) => m.model === 'vad');
    const vadAgent = vad ? fleet.agents.get(vad.device) : undefined;
    if (!vad || !vadAgent) throw new Error('no Silero agent');
    await vadAgent.agent.close();
    const agentRuns: ProcessRun[] = [];
    const bareRuns: ProcessRun[] = [];
    // Unmeasured spawns of each first (page cache, tsx transform cache), then alternating.
    for (let i = 0; i < counts.warmSpawns + counts.spawns; i++) {
      const warm = i < counts.warmSpawns;
      const a = await agentProcessRun(fleet.hub, vad.device, vadAgent.secret, vadAgent.dataDir, vad.body, warm ? 0 : counts.idleMs);
      const b = await bareProcessRun(vad.body, warm ? 0 : counts.idleMs);
      if (!warm) {
        agentRuns.push(a);
        bareRuns.push(b);
      }
    }
    const imports = [await importOnly(), ...(options.quick ? [] : [await importOnly(), await importOnly()])];
    const importMs = median(imports.map((i) => i.importMs));
    const importRss = median(imports.map((i) => i.memory.rss));
    const importHeap = median(imports.map((i) => i.memory.heapUsed));
    phases.processes = (performance.now() - processesStart) / 1000;

    // ---- report ----
    lines.push(
      `Agent overhead (issue 10): a real hub and real agents (startAgent), the demo's machine-health MLP 4-16-3 (trained here, ${counts.trainEpochs} epochs, ${fixed(fleet.trainSeconds, 1)} s, with its reference profile) and Silero VAD v5; ${options.quick ? 'quick mode' : 'full run'}`,
      header,
      '',
      `In-process predict throughput vs a bare onnxruntime-node session on the same bytes and inputs, sequential calls at batch 1, interleaved in runs of 10 calls: ${counts.rounds} blocks of ${counts.tabularCalls} (MLP) / ${counts.sileroCalls} (Silero) calls of each side; rate = calls / summed run time; ratio = median over blocks of agent rate / bare rate`,
      `agent = agent.predict(inputs) on the real agent (typed arrays in and out, statistics recorded into its window, no shadow running); answers equal the bare session's: ${throughput.map((t) => `${t.model.model} max |diff| ${t.maxDiff}`).join(', ')}; equal to the same agent's answer over HTTP: ${latency.every((l) => l.sameAnswer) ? 'yes' : 'NO'}`,
      table(
        ['model', 'bare session.run', 'agent.predict', 'ratio', 'agent.predict + reading predictionIds', 'ratio', 'calibration: 2nd bare session / bare'],
        throughput.map((t) => [
          t.model.label,
          perSecond(t.rates.baseline),
          perSecond(t.rates.subject),
          withGoal(`${fixed(t.rates.ratio, 3)}`, goal(`>= ${GOAL_RATIO}`, t.rates.ratio >= GOAL_RATIO)),
          perSecond(t.ratesWithIds.subject),
          fixed(t.ratesWithIds.ratio, 3),
          fixed(t.calibration.ratio, 3),
        ]),
      ),
      `calibration = the same figure for a second bare session of the same model against the first (1.000 on a quiet machine): how far this run's noise alone moves a ratio`,
      '',
      `Where the agent's time goes: each step of agent.predict on the same request, timed alone (median per call over ${counts.chunks} chunks of ${throughput.map((t) => t.chunk).join(' / ')} calls, in turn with the whole path and the baselines) and in situ (right after, or for the checks right before, a real session.run: cold caches and branch predictors after the native run, as inside agent.predict; median over ${counts.chunks * counts.tabularChunk} / ${counts.chunks * counts.sileroChunk} runs, the clock read's own cost taken off). "rest" = whole path - bare session.run - the in-situ steps but ort.Tensor (which the baseline pays too): the async frames of agent.predict and runTyped, performance.now twice, the answer object, and noise`,
      table(
        ['step', ...throughput.flatMap((t) => [`${t.model.model === 'vad' ? 'Silero' : 'MLP'} alone`, `${t.model.model === 'vad' ? 'Silero' : 'MLP'} in situ`])],
        [
          ...(throughput[0]?.steps ?? []).map((s, i) => [s.step, ...throughput.flatMap((t) => [us(t.steps[i]?.micros ?? NaN, 2), us(t.steps[i]?.inSitu ?? NaN, 2)])]),
          ['session.run (prebuilt tensors)', ...throughput.flatMap((t) => [us(t.prebuiltRunMicros, 1), us(t.inSituRunMicros, 1)])],
          ['whole agent.predict (per call)', ...throughput.flatMap((t) => [us(t.agentMicros, 1), ''])],
          ['bare session.run with per-call ort.Tensor (baseline)', ...throughput.flatMap((t) => [us(t.bareMicros, 1), ''])],
          ['agent work beyond onnxruntime (whole - bare)', ...throughput.flatMap((t) => [`${us(t.agentMicros - t.bareMicros, 2)} (${fixed((100 * (t.agentMicros - t.bareMicros)) / t.agentMicros, 0)}%)`, ''])],
          ['  of which the in-situ steps (but ort.Tensor)', ...throughput.flatMap((t) => ['', us(t.steps.filter((s) => !s.step.startsWith('typed arrays')).reduce((sum, s) => sum + s.inSitu, 0), 2)])],
          ['  rest', ...throughput.flatMap((t) => [us(t.agentMicros - t.bareMicros - t.steps.filter((s) => !s.step.startsWith('typed arrays')).reduce((sum, s) => sum + s.inSitu, 0), 2), ''])],
          ['whole agent.predict + reading predictionIds', ...throughput.flatMap((t) => [us(t.agentWithIdsMicros, 1), ''])],
          ['diagnostic: bare session.run, session with intraOpNumThreads 1', ...throughput.flatMap((t) => [us(t.bareSingleMicros, 1), ''])],
        ],
      ),
      '',
      `Outside agent.predict, in the same chunks: prediction ids when read, and the POST /v1/predict path's own steps, each beside the former implementation (kept in this file as a reference)`,
      table(
        ['step', ...throughput.map((t) => (t.model.model === 'vad' ? 'Silero VAD v5' : 'MLP 4-16-3'))],
        (throughput[0]?.jsonSteps ?? []).map((s, i) => [s.step, ...throughput.map((t) => us(t.jsonSteps[i]?.micros ?? NaN, 2))]),
      ),
      '',
      `Local API: POST /v1/predict on the agent's real local API (node:http keep-alive client in this process; JSON.stringify of the request and JSON.parse of the answer included) vs the in-process call; ${counts.tabularRequests} (MLP) / ${counts.sileroRequests} (Silero) sequential requests of each, alternating, after 200 warm-up requests of each`,
      table(
        ['model', 'body in / out', 'in-process p50 / p99', 'HTTP p50 / p99', 'HTTP overhead p50 / p99'],
        latency.map((l) => {
          const [ip50, ip99, h50, h99] = [quantile(l.inProcess, 0.5), quantile(l.inProcess, 0.99), quantile(l.http, 0.5), quantile(l.http, 0.99)];
          return [l.model.label, `${l.requestBytes} B / ${l.responseBytes} B`, `${us(ip50, 0)} / ${us(ip99, 0)}`, `${us(h50, 0)} / ${us(h99, 0)}`, `+${us(h50 - ip50, 0)} / +${us(h99 - ip99, 0)}`];
        }),
      ),
      '',
    );
    const a = (pick: (r: ProcessRun) => number) => median(agentRuns.map(pick));
    const b = (pick: (r: ProcessRun) => number) => median(bareRuns.map(pick));
    const memRow = (what: string, pick: (m: MemoryFigures) => number): string[] => [what, mib(a((r) => pick(r.memory))), mib(b((r) => pick(r.memory))), `+${mib(a((r) => pick(r.memory)) - b((r) => pick(r.memory)))}`];
    lines.push(
      `Agent process vs bare process, Silero VAD v5 serving: agent = agent/src/main.ts run as node --import tsx (what npm run agent runs, in one process), from its data dir after the install above, connected to the hub; bare = node loading onnxruntime-node, opening the same model file and running it once; median of ${counts.spawns} spawn(s) each, alternating, after ${counts.warmSpawns} unmeasured warm-up spawn(s) each; memory after ${counts.idleMs} ms idle and a full GC`,
      table(
        ['measure', 'agent process', 'bare onnxruntime-node process', 'difference'],
        [
          memRow('RSS, idle, model loaded', (m) => m.rss),
          memRow('V8 heap used', (m) => m.heapUsed),
          memRow('V8 heap total', (m) => m.heapTotal),
          memRow('external (ArrayBuffers, native)', (m) => m.external),
          [
            'start-up: spawn -> first answered prediction',
            `${fixed(a((r) => r.readyMs), 0)} ms (local API listening at ${fixed(a((r) => r.listeningMs ?? NaN), 0)} ms)`,
            `${fixed(b((r) => r.readyMs), 0)} ms (first session.run)`,
            `+${fixed(a((r) => r.readyMs) - b((r) => r.readyMs), 0)} ms (${fixed(a((r) => r.readyMs) / b((r) => r.readyMs), 2)}x)`,
          ],
          ['  for scale: node --import tsx importing the agent modules, nothing started (separate process)', `${fixed(importMs, 0)} ms to import; RSS ${mib(importRss)}, heap used ${mib(importHeap)}`, '', ''],
        ],
      ),
      `section total ${fixed((performance.now() - started) / 1000, 1)} s (set-up with training ${fixed(phases.setUp, 1)} s, throughput ${fixed(phases.throughput, 1)} s, latency ${fixed(phases.latency, 1)} s, processes ${fixed(phases.processes, 1)} s)`,
    );
    return lines.join('\n');
  } finally {
    await tearDown(fleet);
  }
}

/**
 * `node --cpu-prof --import tsx fleet-sim/src/bench/agent-bench.ts --profile`: only the loops,
 * `seconds` each of the in-process agent path, the bare session and POST /v1/predict per model,
 * so the profile shows where a prediction's time goes (the set-up is in the profile too, before).
 */
async function profileLoops(seconds: number): Promise<void> {
  const fleet = await setUp(COUNTS.quick);
  try {
    for (const model of fleet.models) {
      const agent = fleet.agents.get(model.device)?.agent;
      if (!agent) throw new Error(`no agent for ${model.device}`);
      const bare = await bareSession(model.bytes, model.typed);
      try {
        for (const [name, call] of [['agent.predict', () => agent.predict(model.typed)], ['bare session.run', bare.run]] as const) {
          let n = 0;
          const start = performance.now();
          while (performance.now() - start < seconds * 1000) {
            await call();
            n++;
          }
          console.log(`${model.label}: ${name} ${Math.round(n / seconds)}/s`);
        }
        {
          const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
          let n = 0;
          const start = performance.now();
          while (performance.now() - start < seconds * 1000) {
            JSON.parse(await httpPost(new URL(agent.localUrl), JSON.stringify(model.body), keepAlive));
            n++;
          }
          keepAlive.destroy();
          console.log(`${model.label}: POST /v1/predict ${Math.round(n / seconds)}/s`);
        }
      } finally {
        await bare.session.release();
      }
    }
  } finally {
    await tearDown(fleet);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--profile')) await profileLoops(5);
  else console.log(await agentSection({ quick: process.argv.includes('--quick') }));
}

