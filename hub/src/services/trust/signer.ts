/**
 * Synchronous Ed25519 signing with the hub's current release keys (node:crypto, as
 * adapters/doc-signer.ts and for the same reason: a doc's seq, signature, row and hand-over to
 * the broker happen in one turn of the event loop). Also signs exact payload bytes, so a release
 * manifest can be signed again under a new release key without its payload changing a byte.
 */
import { KeyObject, sign } from 'node:crypto';
import { encodePayload, toBase64, type Envelope, type SigningKey, type TrustDoc } from '@edgefleet/protocol';
import { releaseKeyPath, type HeldKey } from '../../adapters/keys';

export interface BytesSigner {
  readonly keyids: readonly string[];
  bytes(payload: Uint8Array): Envelope;
  payload(value: unknown): Envelope;
}

function bytesSigner(keys: readonly SigningKey[]): BytesSigner {
  const signers = keys.map((key) => ({ keyid: key.keyid, keyObject: KeyObject.from(key.privateKey) }));
  const bytes = (payload: Uint8Array): Envelope => ({ payload: toBase64(payload), signatures: signers.map((s) => ({ keyid: s.keyid, sig: toBase64(sign(null, payload, s.keyObject)) })) });
  return { keyids: signers.map((s) => s.keyid), bytes, payload: (value) => bytes(encodePayload(value)) };
}

/** Whether `envelope` carries signatures of enough keys of `role` (by keyid: for the hub's own stored docs). */
export function signedByRole(envelope: Pick<Envelope, 'signatures'>, role: { keyids: readonly string[]; threshold: number }): boolean {
  const wanted = new Set(role.keyids);
  return new Set(envelope.signatures.map((s) => s.keyid).filter((keyid) => wanted.has(keyid))).size >= role.threshold;
}

/** The keys the hub signs with, and their signer. */
export interface Signing {
  keys: SigningKey[];
  signer: BytesSigner;
}

/**
 * The held keys `doc`'s release role names, enough for its threshold; else the message saying
 * which key file to place.
 */
export function signingFor(doc: TrustDoc, held: readonly HeldKey[], dataDir: string): Signing | string {
  const role = doc.roles.release;
  const keys = held.map((h) => h.key).filter((key, index, all) => role.keyids.includes(key.keyid) && all.findIndex((k) => k.keyid === key.keyid) === index);
  if (keys.length >= role.threshold) return { keys, signer: bytesSigner(keys) };
  const missing = role.keyids.filter((keyid) => !keys.some((k) => k.keyid === keyid));
  const first = missing[0] ?? '';
  return `trust version ${doc.version} names release keys ${role.keyids.join(', ')} (threshold ${role.threshold}) and the hub holds ${keys.length} of them: place the private key of keyid ${first} in ${releaseKeyPath(dataDir, first)} (any keys/release*.pem file is read)`;
}

