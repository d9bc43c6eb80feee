/** Small helpers the end-to-end scenarios share: temp dirs, admin API calls, waiting on agents. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import ort from 'onnxruntime-node';
import type { Agent } from '@edgefleet/agent';
import type { Hub } from '@edgefleet/hub';
import type { DeviceEvent, ReportedState, TensorJson } from '@edgefleet/protocol';

const require = createRequire(import.meta.url);
const vadDist = join(require.resolve('@ricky0123/vad-web/package.json'), '..', 'dist');

/** The real third-party models shipped by @ricky0123/vad-web 0.0.31. */
export const models = {
  sileroV5: join(vadDist, 'silero_vad_v5.onnx'),
  sileroV6: join(vadDist, 'silero_vad_v6.onnx'),
  sileroLegacy: join(vadDist, 'silero_vad_legacy.onnx'),
};

/** Silero needs 512-sample frames at 16 kHz; the hub's probe is told so at upload. */
export const sileroProbeQuery = encodeURIComponent(JSON.stringify({ input: { dims: [1, 512] }, sr: { dims: [], data: [16000] } }));

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `edgefleet-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

export async function api<T = Record<string, unknown>>(
  hub: Pick<Hub, 'httpUrl' | 'adminToken'>,
  method: string,
  path: string,
  body?: unknown,
  init: { token?: string | null; contentType?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  const token = init.token === undefined ? hub.adminToken : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let payload: BodyInit | undefined;
  if (body instanceof Uint8Array) {
    payload = body as BodyInit;
    headers['content-type'] = init.contentType ?? 'application/octet-stream';
  } else if (typeof body === 'string') {
    payload = body;
    headers['content-type'] = init.contentType ?? 'application/json';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${hub.httpUrl}${path}`, { method, headers, body: payload ?? null });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

export async function uploadModel(hub: Hub, model: string, file: string, version: string): Promise<{ sha256: string; version: string }> {
  const bytes = new Uint8Array(await readFile(file));
  const res = await api<{ sha256: string; version: string }>(hub, 'POST', `/api/v1/models/${model}/versions?version=${version}&probe=${sileroProbeQuery}`, bytes);
  if (res.status !== 201) throw new Error(`upload ${model}@${version} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function enrol(hub: Hub, id: string): Promise<string> {
  const res = await api<{ id: string; secret: string }>(hub, 'POST', '/api/v1/devices', { id });
  if (res.status !== 201) throw new Error(`enrol ${id} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.secret;
}

export async function assign(hub: Hub, device: string, model: string, version: string): Promise<ApiResponse> {
  return api(hub, 'PUT', `/api/v1/devices/${device}/assignment`, { model, version });
}

/** Resolves with the first report (already current or future) that satisfies `predicate`. */
export function waitForReport(agent: Agent, predicate: (state: ReportedState) => boolean, what: string, timeoutMs = 20_000): Promise<ReportedState> {
  return waitForListener(agent.onReport.bind(agent), predicate, what, timeoutMs);
}

export function waitForEvent(agent: Agent, predicate: (event: DeviceEvent) => boolean, what: string, timeoutMs = 20_000): Promise<DeviceEvent> {
  return waitForListener(agent.onEvent.bind(agent), predicate, what, timeoutMs);
}

function waitForListener<T>(subscribe: (listener: (value: T) => void) => () => void, predicate: (value: T) => boolean, what: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const unsubscribe = subscribe((value) => {
      if (!predicate(value)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    });
  });
}

/** One Silero VAD frame: a deterministic chirp, zero state, 16 kHz. */
export function sileroInputs(seed = 1): Record<string, TensorJson> {
  const frame = Array.from({ length: 512 }, (_, i) => Math.fround(0.5 * Math.sin((i * (seed + 3)) / 17) * Math.cos(i / 41)));
  return {
    input: { type: 'float32', dims: [1, 512], data: frame },
    state: { type: 'float32', dims: [2, 1, 128], data: new Array<number>(256).fill(0) },
    sr: { type: 'int64', dims: [], data: [16000] },
  };
}

export interface PredictResponse {
  model: string;
  version: string;
  outputs: Record<string, TensorJson>;
}

export async function predict(agent: Agent, inputs: Record<string, TensorJson>): Promise<ApiResponse<PredictResponse>> {
  const response = await fetch(`${agent.localUrl}/v1/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs }),
  });
  return { status: response.status, body: (await response.json()) as PredictResponse };
}

/** The same inputs through a bare onnxruntime-node session: the ground truth for /v1/predict. */
export async function runDirect(file: string, inputs: Record<string, TensorJson>): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(file, { logSeverityLevel: 3 });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(inputs)) {
      feeds[name] =
        t.type === 'int64'
          ? new ort.Tensor('int64', BigInt64Array.from(t.data.map((v) => BigInt(Number(v)))), t.dims)
          : new ort.Tensor('float32', Float32Array.from(t.data.map(Number)), t.dims);
    }
    const out = await session.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([name, tensor]) => [name, Array.from(tensor.data as Float32Array, Number)]));
  } finally {
    await session.release();
  }
}
