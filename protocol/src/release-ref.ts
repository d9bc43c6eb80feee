/**
 * Deployment docs name their releases by reference: the SHA-256 and size of the release
 * manifest's envelope bytes (the exact bytes the hub serves at `/device/v1/releases/<sha256>`).
 * Inline manifests made a doc 38-77 KB (probe data and reference profiles), signed and sent
 * per device on every rollout step; a reference keeps it near 1 KB. The deployment doc's own
 * signature covers the hash, so the fetched manifest is bound to it exactly as if it were inline,
 * and it is then verified as before (its own signature, type, schema).
 */
import { sha256Hex, utf8Encode } from './bytes';
import { ProtocolError } from './errors';
import { parseJsonBytes, parseWith } from './parse';
import { envelopeSchema, type Envelope } from './schemas/common';
import type { ReleaseRef } from './schemas/deployment';

/** The one serialisation of an envelope that references hash: field order fixed, no whitespace. */
export function envelopeBytes(envelope: Envelope): Uint8Array {
  return utf8Encode(JSON.stringify({ payload: envelope.payload, signatures: envelope.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig })) }));
}

export async function releaseRefOf(envelope: Envelope): Promise<ReleaseRef> {
  const bytes = envelopeBytes(envelope);
  return { sha256: await sha256Hex(bytes), size: bytes.length };
}

/**
 * The envelope a reference names, from bytes fetched for it: length and hash checked before the
 * bytes are parsed (THREATS 11, mix-and-match: a manifest of another release fails the hash).
 */
export async function openReleaseRef(ref: ReleaseRef, bytes: Uint8Array): Promise<Envelope> {
  if (bytes.length !== ref.size) throw new ProtocolError('E_LENGTH_MISMATCH', `release manifest ${ref.sha256}: got ${bytes.length} bytes, the doc says ${ref.size}`);
  const actual = await sha256Hex(bytes);
  if (actual !== ref.sha256) throw new ProtocolError('E_HASH_MISMATCH', `release manifest ${ref.sha256}: the fetched bytes hash to ${actual}`);
  return parseWith(envelopeSchema, parseJsonBytes(bytes, 'release manifest'), 'release envelope');
}

/** Fetches the bytes of a referenced manifest (the agent: HTTP with its credentials, a cache). */
export type ReleaseFetcher = (ref: ReleaseRef) => Promise<Uint8Array>;
