/**
 * Large probes ride as hash-addressed blobs (probe-ref.ts, issue 11 item 7): the manifest names
 * `{ sha256, size, tolerance }`, and the fetched bytes are checked before they are parsed.
 */
import { describe, expect, it } from 'vitest';
import {
  ProtocolError,
  isProbeRef,
  openProbeBlob,
  parseWith,
  probeBlobBytes,
  releaseProbeSchema,
  sha256Hex,
  utf8Encode,
  type ErrorCode,
  type Probe,
  type ProbeRef,
} from '@edgefleet/protocol';
import { codeOf } from './fixtures';

const probe: Probe = {
  inputs: { x: { type: 'float32', dims: [1, 2], data: [0.5, -1] } },
  expected: { y: { type: 'float32', dims: [1], data: [0.25] } },
  tolerance: { abs: 1e-4, rel: 1e-3 },
};

async function refOf(bytes: Uint8Array): Promise<ProbeRef> {
  return { sha256: await sha256Hex(bytes), size: bytes.length, tolerance: probe.tolerance };
}

describe('probe blobs', () => {
  it('round-trips: the blob holds inputs and expected, the tolerance comes from the signed reference', async () => {
    const bytes = probeBlobBytes(probe);
    expect(JSON.parse(new TextDecoder().decode(bytes))).toEqual({ inputs: probe.inputs, expected: probe.expected });
    expect(await openProbeBlob(await refOf(bytes), bytes)).toEqual(probe);
  });

  it.each<[string, (bytes: Uint8Array) => Uint8Array, ErrorCode]>([
    ['one byte changed', (b) => b.map((x, i) => (i === 10 ? x ^ 1 : x)), 'E_HASH_MISMATCH'],
    ['one byte more', (b) => new Uint8Array([...b, 32]), 'E_LENGTH_MISMATCH'],
    ['truncated', (b) => b.subarray(0, b.length - 1), 'E_LENGTH_MISMATCH'],
  ])('refuses a blob with %s', async (_name, damage, code) => {
    const bytes = probeBlobBytes(probe);
    expect(await codeOf(openProbeBlob(await refOf(bytes), damage(bytes)))).toBe(code);
  });

  it('checks the hash before parsing, then the JSON and the schema', async () => {
    const notJson = utf8Encode('{"inputs":');
    expect(await codeOf(openProbeBlob(await refOf(notJson), notJson))).toBe('E_BAD_JSON');
    const extra = utf8Encode(JSON.stringify({ inputs: probe.inputs, expected: probe.expected, tolerance: probe.tolerance }));
    expect(await codeOf(openProbeBlob(await refOf(extra), extra))).toBe('E_SCHEMA');
  });

  it('a manifest probe is inline or a reference, never a mix', async () => {
    const ref = await refOf(probeBlobBytes(probe));
    expect(isProbeRef(parseWith(releaseProbeSchema, probe, 'probe'))).toBe(false);
    expect(isProbeRef(parseWith(releaseProbeSchema, ref, 'probe'))).toBe(true);
    expect(() => parseWith(releaseProbeSchema, { ...ref, inputs: probe.inputs }, 'probe')).toThrow(ProtocolError);
    expect(() => parseWith(releaseProbeSchema, { sha256: ref.sha256, size: ref.size }, 'probe')).toThrow(ProtocolError);
  });
});
