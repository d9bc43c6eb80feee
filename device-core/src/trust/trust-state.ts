/**
 * What a device trusts (THREATS "Keys", rows 10 and 19): the pinned trust document, or why it
 * has none it may use, and how that state is recovered from what the device stored. Pure:
 * WebCrypto via the protocol package; reading and writing the stored copy is the runtime's.
 */
import { verifyInitialTrust, type Envelope, type TrustDoc } from '@edgefleet/protocol';

export type TrustState =
  /** nothing pinned yet: the first hub config is trusted on first use */
  | { kind: 'unpinned' }
  | { kind: 'pinned'; doc: TrustDoc; envelope: Envelope }
  /** the trust file is unreadable or was removed after pinning: refuse every update, keep serving */
  | { kind: 'corrupt'; reason: string };

export type PinnedTrust = Extract<TrustState, { kind: 'pinned' }>;

// Expiry is judged when a document is pinned or rotated in, not again on every restart: a
// device whose hub was unreachable past the expiry must still be able to serve and to accept
// the rotation that brings a fresh document. So the stored copy is opened at the epoch.
const NO_EXPIRY_CHECK = new Date(0);

/** Re-checks the pinned envelope's self-signature and schema, so an edited file is refused. */
export const openPinnedTrust = (envelope: unknown): Promise<TrustDoc> => verifyInitialTrust(envelope, NO_EXPIRY_CHECK);

/** What a runtime found where it keeps the pinned trust envelope. */
export type StoredTrust = { kind: 'missing' } | { kind: 'ok'; value: Envelope } | { kind: 'corrupt'; reason: string };

/** Why a recovered trust state is unusable: the runtime says so in its own words (logs). */
export type TrustRefusal =
  | { kind: 'missing-after-pinning' }
  | { kind: 'unreadable'; reason: string }
  | { kind: 'does-not-verify'; error: unknown };

export type RecoveredTrust = { state: TrustState; refusal: TrustRefusal | null };

/**
 * The trust state at start-up from the stored envelope (`where` names the store in reasons,
 * e.g. trust.json). Once a document was pinned (`trustPinned`, kept with the device's state), a
 * missing one is tampering, never a new trust on first use; an unreadable one, or one whose
 * signature no longer verifies, refuses every update while the device keeps serving.
 */
export async function recoverTrust(stored: StoredTrust, trustPinned: boolean, where: string): Promise<RecoveredTrust> {
  if (stored.kind === 'missing') {
    if (!trustPinned) return { state: { kind: 'unpinned' }, refusal: null };
    return { state: { kind: 'corrupt', reason: `${where} missing after pinning` }, refusal: { kind: 'missing-after-pinning' } };
  }
  if (stored.kind === 'corrupt') {
    return { state: { kind: 'corrupt', reason: `${where} unreadable: ${stored.reason}` }, refusal: { kind: 'unreadable', reason: stored.reason } };
  }
  try {
    return { state: { kind: 'pinned', doc: await openPinnedTrust(stored.value), envelope: stored.value }, refusal: null };
  } catch (error) {
    const reason = `${where} does not verify: ${error instanceof Error ? error.message : String(error)}`;
    return { state: { kind: 'corrupt', reason }, refusal: { kind: 'does-not-verify', error } };
  }
}
