/**
 * Walking the hub's chain of trust documents from the pinned version to a newer one (THREATS
 * "Keys"): the hub keeps every version (`GET /device/v1/trust/{version}`), so a device that was
 * offline across several rotations, and only sees the newest on the retained trust topic, fetches
 * the versions in between and verifies each against the one before (protocol verifyTrustChain).
 * At most `cap` versions are verified per step; a step is pinned as a whole or not at all, so a
 * failure changes nothing pinned by it. Pure: the fetch and the store come in as parameters.
 */
import { TRUST_WALK_CAP, verifyTrustChain, ProtocolError } from '@edgefleet/protocol';
import type { PinnedTrust } from './trust-state';

/**
 * One version of the hub's chain: its envelope bytes, or null when the hub has no such version
 * (HTTP 404). A failure to reach the hub throws (the runtime's transient error).
 */
export type TrustFetcher = (version: number) => Promise<Uint8Array | null>;

export interface TrustWalk {
  /** the pinned trust to walk from */
  from: PinnedTrust;
  fetch: TrustFetcher;
  /** a newer version in hand (off the trust topic): the walk ends on it; null: walk as far as the hub has */
  target: { version: number; bytes: Uint8Array } | null;
  now: Date;
  /** stores a verified step's last envelope before it is believed */
  pin(next: PinnedTrust): Promise<void>;
  cap?: number;
}

/**
 * Walks in steps of at most `cap` versions, pinning after each; returns the newest pinned (the
 * same object as `from` when the hub had nothing newer). Throws ProtocolError E_ROOT_CHAIN when
 * the hub lacks a version below the target, whatever verifyTrustChain throws, and the fetch's
 * errors; the steps pinned before a failure stay pinned (each was verified whole).
 */
export async function walkTrustChain(walk: TrustWalk): Promise<PinnedTrust> {
  const cap = Math.max(1, walk.cap ?? TRUST_WALK_CAP);
  let pinned = walk.from;
  // A version fetched to learn whether a step was the last one: the first of the next step.
  let carried: Uint8Array | null = null;
  for (;;) {
    const from = pinned.doc.version;
    const step: Uint8Array[] = [];
    let last = false;
    for (let version = from + 1; ; version++) {
      const bytes: Uint8Array | null = version === from + 1 && carried ? carried : await fetchVersion(walk, version);
      carried = null;
      if (bytes === null) {
        last = true;
        break;
      }
      if (step.length === cap) {
        // One more than the step holds: the walk goes on after this step.
        carried = bytes;
        break;
      }
      step.push(bytes);
      if (walk.target && version === walk.target.version) {
        last = true;
        break;
      }
    }
    if (step.length === 0) return pinned;
    // Expiry only on the version the walk ends on: those on the way may have expired since.
    const verified = await verifyTrustChain(pinned.doc, step, walk.now, { checkLastExpiry: last });
    const end = verified[verified.length - 1];
    if (!end) return pinned;
    const next: PinnedTrust = { kind: 'pinned', doc: end.doc, envelope: end.envelope };
    await walk.pin(next);
    pinned = next;
    if (last) return pinned;
  }
}

/** A version from the hub; the target's own bytes for the target; a gap below the target is E_ROOT_CHAIN. */
async function fetchVersion(walk: TrustWalk, version: number): Promise<Uint8Array | null> {
  const { target } = walk;
  if (target && version === target.version) return target.bytes;
  if (target && version > target.version) return null;
  const bytes = await walk.fetch(version);
  if (bytes === null && target) {
    throw new ProtocolError('E_ROOT_CHAIN', `trust version ${target.version} does not follow the pinned version ${walk.from.doc.version}: the hub has no version ${version} to walk through`);
  }
  return bytes;
}
