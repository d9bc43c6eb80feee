/**
 * Probe blobs (issue 11 item 7): a probe too large to ride inline in a release manifest is
 * stored by the hub as a content-addressed blob, and the manifest carries `{ sha256, size,
 * tolerance }` (schemas/release.ts `probeRefSchema`). The manifest's signature covers the hash,
 * so the blob is bound to the release exactly as an inline probe would be: agents check length
 * and hash before a byte is parsed (as for release references, release-ref.ts).
 */
import { sha256Hex, utf8Encode } from './bytes';
import { ProtocolError } from './errors';
import { parseJsonBytes, parseWith } from './parse';
import { isProbeRef, probeDataSchema, type Probe, type ProbeRef, type ReleaseProbe } from './schemas/release';

/** The one serialisation of a probe blob: `{ inputs, expected }`, no whitespace. */
export function probeBlobBytes(probe: Probe): Uint8Array {
  return utf8Encode(JSON.stringify({ inputs: probe.inputs, expected: probe.expected }));
}

/** The probe a reference names, from bytes fetched for it: size, then hash, then JSON and schema. */
export async function openProbeBlob(ref: ProbeRef, bytes: Uint8Array): Promise<Probe> {
  if (bytes.length !== ref.size) throw new ProtocolError('E_LENGTH_MISMATCH', `probe blob ${ref.sha256}: got ${bytes.length} bytes, the manifest says ${ref.size}`);
  const actual = await sha256Hex(bytes);
  if (actual !== ref.sha256) throw new ProtocolError('E_HASH_MISMATCH', `probe blob ${ref.sha256}: the bytes hash to ${actual}`);
  const data = parseWith(probeDataSchema, parseJsonBytes(bytes, 'probe blob'), 'probe blob');
  return { ...data, tolerance: ref.tolerance };
}

/** The inline probe of a manifest; E_SCHEMA naming `what` when it is a blob reference (callers that hold no blob). */
export function inlineProbe(probe: ReleaseProbe, what: string): Probe {
  if (isProbeRef(probe)) throw new ProtocolError('E_SCHEMA', `${what}: the probe is a blob reference (${probe.sha256}), not inline`);
  return probe;
}
