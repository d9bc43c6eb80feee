/** Silero VAD v5 (a real third-party ONNX model) as a release manifest with a true probe. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ReleaseManifest, TensorJson } from '@edgefleet/protocol';
import { makeRelease } from '../../../test/fixtures/signing';

const require = createRequire(import.meta.url);
const VAD_DIST = join(dirname(require.resolve('@ricky0123/vad-web/package.json')), 'dist');
export const SILERO_V5 = join(VAD_DIST, 'silero_vad_v5.onnx');
export const SILERO_V6 = join(VAD_DIST, 'silero_vad_v6.onnx');

export function sileroInputs(seed = 1): Record<string, TensorJson> {
  return {
    input: { type: 'float32', dims: [1, 512], data: Array.from({ length: 512 }, (_, i) => Math.fround(0.5 * Math.sin((i * (seed + 3)) / 17))) },
    state: { type: 'float32', dims: [2, 1, 128], data: new Array<number>(256).fill(0) },
    sr: { type: 'int64', dims: [], data: [16000] },
  };
}

/** Ground truth through a bare onnxruntime session. */
export async function runDirect(bytes: Uint8Array, inputs: Record<string, TensorJson>): Promise<Record<string, TensorJson>> {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(inputs)) {
      feeds[name] = t.type === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(t.data, (v) => BigInt(Number(v))), t.dims) : new ort.Tensor('float32', Float32Array.from(t.data, Number), t.dims);
    }
    const out = await session.run(feeds);
    return Object.fromEntries(
      Object.entries(out).map(([name, tensor]) => [name, { type: 'float32', dims: [...tensor.dims], data: Array.from(tensor.data as Float32Array, Number) } satisfies TensorJson]),
    );
  } finally {
    await session.release();
  }
}

export interface SileroRelease {
  bytes: Uint8Array;
  sha256: string;
  manifest: ReleaseManifest;
}

/** `baseUrl` is the artifact server (/artifacts/<sha256> is appended). */
export async function sileroRelease(over: Partial<ReleaseManifest> & { baseUrl?: string } = {}, file = SILERO_V5): Promise<SileroRelease> {
  const bytes = new Uint8Array(await readFile(file));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const inputs = sileroInputs(7);
  const expected = await runDirect(bytes, inputs);
  const { baseUrl, ...rest } = over;
  const manifest = makeRelease({
    model: 'vad',
    version: '1',
    releaseCounter: 1,
    artifact: { sha256, size: bytes.length, url: `${baseUrl ?? 'http://127.0.0.1:1'}/artifacts/${sha256}` },
    io: {
      inputs: [
        { name: 'input', type: 'float32', shape: ['', ''] },
        { name: 'state', type: 'float32', shape: [2, '', 128] },
        { name: 'sr', type: 'int64', shape: [] },
      ],
      outputs: [
        { name: 'output', type: 'float32', shape: ['', 1] },
        { name: 'stateN', type: 'float32', shape: ['', '', ''] },
      ],
    },
    compat: { opset: 16 },
    probe: { inputs, expected: { output: expected.output! }, tolerance: { abs: 1e-4, rel: 1e-3 } },
    ...rest,
  });
  return { bytes, sha256, manifest };
}
