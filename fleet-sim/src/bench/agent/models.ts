/**
 * The agent bench's two models as the bench holds them (release, bytes, one request as JSON and
 * as typed arrays) and a bare onnxruntime-node session on the same bytes: the baseline every
 * part of the bench compares the agent with.
 */
import { createRequire } from 'node:module';
import ortNode from 'onnxruntime-node';
import type { ReleaseManifest, TensorJson } from '@edgefleet/protocol';
import type { TypedTensor } from '@edgefleet/device-core';
import { speechLikeFrames } from '../../../../hub/src/core/quantize/speech-like';
import { MACHINE_FEATURES, machineRows } from '../../demo/machine-data';

const require = createRequire(import.meta.url);
export const SILERO_PATH = require.resolve('@ricky0123/vad-web/dist/silero_vad_v5.onnx');

export interface BenchModel {
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

export function sileroInputs(): BenchModel['body'] {
  const frame = speechLikeFrames(1, 512, 7)[0] as Float32Array;
  return {
    inputs: {
      input: { type: 'float32', dims: [1, 512], data: Array.from(frame) },
      state: { type: 'float32', dims: [2, 1, 128], data: new Array<number>(256).fill(0) },
      sr: { type: 'int64', dims: [], data: [16000] },
    },
  };
}

export function tabularInputs(release: ReleaseManifest): BenchModel['body'] {
  const [input, ...rest] = release.io.inputs;
  if (!input || rest.length > 0 || input.type !== 'float32' || input.shape.length !== 2 || input.shape[1] !== MACHINE_FEATURES.length) {
    throw new Error(`the trained model's inputs are not one float32 [N, ${MACHINE_FEATURES.length}]: ${JSON.stringify(release.io.inputs)}`);
  }
  const row = machineRows(1, 99)[0];
  if (!row) throw new Error('no machine row');
  return { inputs: { [input.name]: { type: 'float32', dims: [1, MACHINE_FEATURES.length], data: MACHINE_FEATURES.map((f) => Math.fround(row.readings[f])) } } };
}

export function typedOf(body: BenchModel['body']): BenchModel['typed'] {
  return Object.fromEntries(
    Object.entries(body.inputs).map(([name, t]) => [
      name,
      t.type === 'int64' ? { type: 'int64', data: BigInt64Array.from(t.data, (v) => BigInt(Number(v))), dims: t.dims } satisfies TypedTensor : { type: 'float32', data: Float32Array.from(t.data, Number), dims: t.dims } satisfies TypedTensor,
    ]),
  );
}

/** A bare session on the same bytes, created as the agent creates its own (LoadedModel.load). */
export async function bareSession(bytes: Uint8Array, typed: BenchModel['typed']): Promise<{ run: () => Promise<ortNode.InferenceSession.OnnxValueMapType>; session: ortNode.InferenceSession }> {
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
