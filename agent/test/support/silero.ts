/** Silero VAD v5 (a real third-party ONNX model) as a release manifest with a true probe. */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ReleaseManifest } from '@edgefleet/protocol';
import { makeRelease } from '../../../test/fixtures/signing';
import { SILERO_V5, runDirect, sileroInputs } from '../../../test/fixtures/silero';

export { SILERO_V5, SILERO_V6, runDirect, sileroInputs } from '../../../test/fixtures/silero';

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
