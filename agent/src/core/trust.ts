/**
 * Rules for the pinned trust document (THREATS "Keys", rows 10 and 19). Pure: WebCrypto via the
 * protocol package, no files.
 */
import { fromBase64, parseEnvelope, parseJsonBytes, verifyInitialTrust, type Envelope, type TrustDoc } from '@edgefleet/protocol';

export type TrustState =
  /** nothing pinned yet: the first hub config is trusted on first use */
  | { kind: 'unpinned' }
  | { kind: 'pinned'; doc: TrustDoc; envelope: Envelope }
  /** the trust file is unreadable or was removed after pinning: refuse every update, keep serving */
  | { kind: 'corrupt'; reason: string };

// Expiry is judged when a document is pinned or rotated in, not again on every restart: a
// device whose hub was unreachable past the expiry must still be able to serve and to accept
// the rotation that brings a fresh document. So the stored copy is opened at the epoch.
const NO_EXPIRY_CHECK = new Date(0);

/** Re-checks the pinned envelope's self-signature and schema, so an edited file is refused. */
export const openPinnedTrust = (envelope: unknown): Promise<TrustDoc> => verifyInitialTrust(envelope, NO_EXPIRY_CHECK);

export type TrustMessageVerdict = { kind: 'ignore'; reason: string } | { kind: 'rotate' };

/**
 * The trust topic is retained, so every reconnect redelivers the current document: the same or
 * an older version is ignored without a report; only a newer one goes to verifyTrustUpdate
 * (which walks versions one at a time and says E_ROOT_CHAIN otherwise).
 */
export function classifyTrustMessage(current: TrustDoc, bytes: Uint8Array): TrustMessageVerdict {
  const claimed = claimedVersion(bytes);
  if (claimed !== null && claimed <= current.version) return { kind: 'ignore', reason: `trust version ${claimed} is not newer than ${current.version}` };
  return { kind: 'rotate' };
}

function claimedVersion(bytes: Uint8Array): number | null {
  try {
    const payload = fromBase64(parseEnvelope(bytes, 'trust').payload);
    if (!payload) return null;
    const doc = parseJsonBytes(payload, 'trust payload');
    return typeof doc === 'object' && doc !== null && 'version' in doc && typeof doc.version === 'number' ? doc.version : null;
  } catch {
    return null; // let the verifier produce the typed error
  }
}
