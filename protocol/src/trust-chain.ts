/**
 * The chain of trust documents (THREATS "Keys", row 10): version 1 signed by its own root
 * threshold, each later version by the root thresholds of the one before and of its own. Devices
 * walk it one version at a time from the version they pinned, at most TRUST_WALK_CAP versions per
 * step; the hub keeps every version so they can. Pure: WebCrypto through envelope.ts.
 */
import { fromBase64 } from './bytes';
import { verifyEnvelopeSignatures } from './envelope';
import { ProtocolError } from './errors';
import { parseJsonBytes, parseWith } from './parse';
import type { Envelope } from './schemas/common';
import { trustDocSchema, type TrustDoc, type TrustRole } from './schemas/trust';
import type { TrustDraft } from './trust-builder';
import { parseEnvelope, verifyInitialTrust, verifyTrustUpdate } from './verify-doc';

/**
 * Most trust versions a device verifies in one step of a walk. A device further behind pins the
 * last version of the step and takes the next one; its memory holds one step's documents at most.
 */
export const TRUST_WALK_CAP = 32;

/** Largest trust envelope anyone reads, in bytes (16 root and 16 release keys take about 8 KB). */
export const MAX_TRUST_DOC_BYTES = 64 * 1024;

/**
 * The trust document inside an envelope or draft, schema-checked but with no signature checked:
 * for showing what a draft says and for the version a message claims. Never trust it.
 */
export function readTrustPayload(envelope: Pick<Envelope, 'payload'>): TrustDoc {
  const bytes = fromBase64(envelope.payload);
  if (!bytes) throw new ProtocolError('E_SCHEMA', 'trust envelope payload is not base64');
  const payload = parseJsonBytes(bytes, 'trust payload');
  if (typeof payload !== 'object' || payload === null || !('type' in payload) || payload.type !== 'trust') {
    throw new ProtocolError('E_WRONG_TYPE', 'expected a trust document');
  }
  return parseWith(trustDocSchema, payload, 'trust');
}

/** The version a trust message claims (unverified), or null when it is not a readable trust envelope. */
export function claimedTrustVersion(input: Uint8Array | unknown): number | null {
  try {
    return readTrustPayload(parseEnvelope(input, 'trust')).version;
  } catch {
    return null;
  }
}

export interface VerifiedTrust {
  doc: TrustDoc;
  envelope: Envelope;
}

/**
 * Verifies `next` (versions current+1, current+2, ... in order) as rotations from `current`.
 * Expiry is checked only on the last one, and only with `checkLastExpiry`. Throws the first
 * failure (E_ROOT_CHAIN for a gap, a wrong order or a missing signature); nothing is returned then.
 */
export async function verifyTrustChain(current: TrustDoc, next: ReadonlyArray<Uint8Array | unknown>, now: Date, options: { checkLastExpiry: boolean }): Promise<VerifiedTrust[]> {
  const out: VerifiedTrust[] = [];
  let previous = current;
  for (const [index, input] of next.entries()) {
    const last = index === next.length - 1;
    const doc = await verifyTrustUpdate(previous, input, now, { checkExpiry: last && options.checkLastExpiry });
    out.push({ doc, envelope: parseEnvelope(input, 'trust') });
    previous = doc;
  }
  return out;
}

/**
 * A whole chain from its first document (self-signed, like a device's first pin) to its last.
 * Expiry is not checked: the caller says what an expired newest version means to it.
 */
export async function verifyWholeChain(chain: ReadonlyArray<Uint8Array | unknown>): Promise<VerifiedTrust[]> {
  const [first, ...rest] = chain;
  if (first === undefined) throw new ProtocolError('E_ROOT_CHAIN', 'no trust document');
  const anchor = { doc: await verifyInitialTrust(first, new Date(0)), envelope: parseEnvelope(first, 'trust') };
  return [anchor, ...(await verifyTrustChain(anchor.doc, rest, new Date(0), { checkLastExpiry: false }))];
}

/** How far one root role's threshold is met by a draft's signatures. */
export interface RoleTally {
  /** `previous`: the root keys of the version before (a rotation needs them); `own`: the document's own */
  which: 'previous' | 'own';
  version: number;
  keyids: string[];
  threshold: number;
  /** keyids of the role with a valid signature */
  signed: string[];
  /** keyids of the role whose signature does not verify */
  invalid: string[];
  met: boolean;
}

/**
 * For an operator collecting signatures: which root keys have signed `draft` validly so far,
 * for its own root role and, for a rotation, the root role of `previous`. Signatures by keys
 * outside both roles are not counted (as verification ignores them).
 */
export async function tallyTrustSignatures(draft: TrustDraft, previous: TrustDoc | null): Promise<RoleTally[]> {
  const doc = readTrustPayload(draft);
  const roles: Array<{ which: RoleTally['which']; trust: TrustDoc; role: TrustRole }> = [];
  if (previous) roles.push({ which: 'previous', trust: previous, role: previous.roles.root });
  roles.push({ which: 'own', trust: doc, role: doc.roles.root });
  const tallies: RoleTally[] = [];
  for (const { which, trust, role } of roles) {
    const signed: string[] = [];
    const invalid: string[] = [];
    for (const keyid of role.keyids) {
      const signatures = draft.signatures.filter((s) => s.keyid === keyid);
      if (signatures.length === 0) continue;
      const keyring = { get: (id: string) => trust.keys[id]?.public };
      const valid = await verifyEnvelopeSignatures({ payload: draft.payload, signatures }, { keyids: [keyid], threshold: 1 }, keyring).then(
        () => true,
        () => false,
      );
      (valid ? signed : invalid).push(keyid);
    }
    tallies.push({ which, version: trust.version, keyids: role.keyids, threshold: role.threshold, signed, invalid, met: signed.length >= role.threshold });
  }
  return tallies;
}
