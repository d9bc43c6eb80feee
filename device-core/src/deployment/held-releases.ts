/**
 * A release manifest the device holds already, found by the reference a deployment doc names
 * it by (protocol release-ref.ts: sha256 and size of the exact envelope bytes). A rollback names
 * the release kept as previous, so nothing needs fetching. Pure: WebCrypto via the protocol.
 */
import { envelopeBytes, sha256Hex, type ReleaseRef } from '@edgefleet/protocol';
import type { PersistedState } from '../state/device-state';

/** The held envelope bytes `ref` names (active, previous, or the accepted doc's release or shadow), or null. */
export async function heldReleaseBytes(persisted: Pick<PersistedState, 'active' | 'previous' | 'desired'>, ref: ReleaseRef): Promise<Uint8Array | null> {
  const held = [persisted.active, persisted.previous, persisted.desired?.release, persisted.desired?.shadow];
  for (const release of held) {
    if (!release) continue;
    const bytes = envelopeBytes(release.envelope);
    if (bytes.length === ref.size && (await sha256Hex(bytes)) === ref.sha256) return bytes;
  }
  return null;
}
