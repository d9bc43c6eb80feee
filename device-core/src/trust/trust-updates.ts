/**
 * How a pinned trust document comes to be and changes (THREATS "Keys"): pinned once on first
 * use from the hub's authenticated device config, afterwards replaced only by a rotation from
 * the retained trust topic that verifyTrustUpdate accepts (each version signed by the previous
 * one's root keys). Pure: WebCrypto via the protocol package; storing the result is the runtime's.
 */
import { fromBase64, parseEnvelope, parseJsonBytes, verifyInitialTrust, verifyTrustUpdate, type TrustDoc } from '@edgefleet/protocol';
import { DeviceCoreError } from '../errors';
import type { PinnedTrust, TrustState } from './trust-state';

/** Trust on first use: the config's trust envelope, self-signed and not expired at `now`. */
export async function pinFirstTrust(trustEnvelope: unknown, now: Date): Promise<PinnedTrust> {
  const doc = await verifyInitialTrust(trustEnvelope, now);
  return { kind: 'pinned', doc, envelope: parseEnvelope(trustEnvelope, 'trust') };
}

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

export type TrustMessageDecision =
  /** the device's trust state is unusable: rotations are refused (and reported) like every update */
  | { kind: 'refuse'; error: DeviceCoreError }
  /** nothing pinned: first trust only comes from the authenticated config endpoint, never from the topic */
  | { kind: 'skip' }
  /** not newer than what is pinned (a retained redelivery): nothing to report */
  | { kind: 'ignore'; reason: string }
  /** a newer version: verify it against `current` with rotateTrust */
  | { kind: 'rotate'; current: TrustDoc };

/** What a device does with a message from the trust topic, given what it trusts now. */
export function judgeTrustMessage(trust: TrustState, bytes: Uint8Array): TrustMessageDecision {
  if (trust.kind === 'corrupt') return { kind: 'refuse', error: new DeviceCoreError('E_TRUST_STATE', `trust state unusable (${trust.reason}); rotation refused`) };
  if (trust.kind === 'unpinned') return { kind: 'skip' };
  const verdict = classifyTrustMessage(trust.doc, bytes);
  return verdict.kind === 'ignore' ? verdict : { kind: 'rotate', current: trust.doc };
}

/** The next pinned trust, or the verifier's ProtocolError (E_ROOT_CHAIN, expiry, signature...). */
export async function rotateTrust(current: TrustDoc, bytes: Uint8Array, now: Date): Promise<PinnedTrust> {
  const doc = await verifyTrustUpdate(current, bytes, now);
  return { kind: 'pinned', doc, envelope: parseEnvelope(bytes, 'trust') };
}
