/**
 * The sizes of signed documents a device accepts, named once (issue 16 item 1): a device refuses
 * anything larger before parsing it, with E_TOO_LARGE, and the hub refuses to build anything
 * larger, so it never sends a document its devices would refuse.
 *
 * A deployment doc names its releases by reference and stays near 1 KB; docs stored before
 * references (manifests inline, 38-77 KB) are still accepted. A release manifest is fetched over
 * HTTP by hash and may be larger (reference profiles of wide models): MAX_RELEASE_MANIFEST_BYTES.
 */
import { ProtocolError } from './errors';
import { MAX_RELEASE_MANIFEST_BYTES } from './schemas/deployment';

/** Largest trust or deployment doc envelope (JSON bytes) a device accepts off MQTT. */
export const MAX_SIGNED_DOC_BYTES = 256 * 1024;

/**
 * Largest MQTT packet a device reads: a document at MAX_SIGNED_DOC_BYTES plus its fixed header
 * (at most 5 bytes), topic (under 100) and packet id. A larger one is dropped from its header,
 * before its body is buffered. A broker between hub and devices must pass packets of this size.
 */
export const MAX_DEVICE_PACKET_BYTES = MAX_SIGNED_DOC_BYTES + 1024;

/** The limit for an envelope of this kind: `release` manifests have their own, every other document MAX_SIGNED_DOC_BYTES. */
const envelopeLimit = (what: string): number => (what === 'release' ? MAX_RELEASE_MANIFEST_BYTES : MAX_SIGNED_DOC_BYTES);

/** Throws E_TOO_LARGE naming the size and the limit when `size` bytes of `what` exceed it. */
export function checkEnvelopeSize(size: number, what: string): void {
  const limit = envelopeLimit(what);
  if (size > limit) throw new ProtocolError('E_TOO_LARGE', `${what} envelope is ${size} bytes; devices accept at most ${limit}`, { details: { size, limit } });
}
