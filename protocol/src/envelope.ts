/**
 * The signed envelope: Ed25519 over the exact payload bytes (PROTOCOL "Signed envelope").
 * WebCrypto only, so the same code verifies in Node 20+ and in browsers.
 */
import { fromBase64, sha256Hex, toBase64, utf8Encode } from './bytes';
import { ProtocolError } from './errors';
import type { Envelope } from './schemas/common';
import type { TrustRole } from './schemas/trust';

export interface SigningKey {
  keyid: string;
  privateKey: CryptoKey;
  /** raw 32-byte public key */
  publicRaw: Uint8Array;
}

const ED25519 = { name: 'Ed25519' } as const;

/** PROTOCOL: keyid = hex SHA-256 of the raw public key. */
export const keyidOf = (publicRaw: Uint8Array): Promise<string> => sha256Hex(publicRaw);

export async function generateSigningKey(): Promise<{ key: SigningKey; pkcs8: Uint8Array }> {
  const pair = (await crypto.subtle.generateKey(ED25519, true, ['sign', 'verify'])) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  return { key: await importSigningKey(pkcs8), pkcs8 };
}

/** Loads a PKCS#8 Ed25519 private key and derives its public half and keyid. */
export async function importSigningKey(pkcs8: Uint8Array): Promise<SigningKey> {
  const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8 as BufferSource, ED25519, true, ['sign']);
  // WebCrypto cannot derive a public key directly; the JWK export carries it as `x`.
  const jwk = await crypto.subtle.exportKey('jwk', privateKey);
  if (!jwk.x) throw new Error('private key has no public component');
  const publicRaw = fromBase64(jwk.x.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(jwk.x.length / 4) * 4, '='));
  if (!publicRaw || publicRaw.length !== 32) throw new Error('malformed Ed25519 public key');
  return { keyid: await keyidOf(publicRaw), privateKey: await reimportForSigning(pkcs8), publicRaw };
}

async function reimportForSigning(pkcs8: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('pkcs8', pkcs8 as BufferSource, ED25519, false, ['sign']);
}

/** The exact bytes that get signed. Signed once, never re-serialised (PROTOCOL). */
export const encodePayload = (payload: unknown): Uint8Array => utf8Encode(JSON.stringify(payload));

export async function signBytes(payloadBytes: Uint8Array, keys: readonly SigningKey[]): Promise<Envelope> {
  const signatures = await Promise.all(
    keys.map(async (key) => ({
      keyid: key.keyid,
      sig: toBase64(new Uint8Array(await crypto.subtle.sign(ED25519, key.privateKey, payloadBytes as BufferSource))),
    })),
  );
  return { payload: toBase64(payloadBytes), signatures };
}

export const signPayload = (payload: unknown, keys: readonly SigningKey[]): Promise<Envelope> => signBytes(encodePayload(payload), keys);

export interface PublicKeyring {
  /** keyid -> base64 raw public key */
  get(keyid: string): string | undefined;
}

/**
 * Checks that at least `role.threshold` distinct keys of `role` signed the exact payload bytes.
 * Signatures by keys outside the role are ignored (a valid signature plus garbage passes), the
 * same keyid counts once however often it appears (THREATS 4). Returns the payload bytes.
 */
export async function verifyEnvelopeSignatures(envelope: Envelope, role: TrustRole, keys: PublicKeyring): Promise<Uint8Array> {
  const payloadBytes = fromBase64(envelope.payload);
  if (!payloadBytes) throw new ProtocolError('E_SCHEMA', 'envelope.payload is not base64');
  const roleKeyids = new Set(role.keyids);
  const counted = new Set<string>();
  let badByTrustedKey = 0;
  for (const { keyid, sig } of envelope.signatures) {
    if (!roleKeyids.has(keyid) || counted.has(keyid)) continue;
    const publicB64 = keys.get(keyid);
    const publicRaw = publicB64 === undefined ? null : fromBase64(publicB64);
    const sigBytes = fromBase64(sig);
    if (!publicRaw || !sigBytes) {
      badByTrustedKey++;
      continue;
    }
    if (await verifyEd25519(publicRaw, sigBytes, payloadBytes)) counted.add(keyid);
    else badByTrustedKey++;
  }
  if (counted.size >= role.threshold) return payloadBytes;
  if (badByTrustedKey > 0) {
    throw new ProtocolError('E_SIG_INVALID', `signature check failed: ${counted.size} of ${role.threshold} required valid signatures`);
  }
  throw new ProtocolError('E_SIG_UNTRUSTED', `not signed by a trusted key: ${counted.size} of ${role.threshold} required signatures`);
}

async function verifyEd25519(publicRaw: Uint8Array, sig: Uint8Array, data: Uint8Array): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey('raw', publicRaw as BufferSource, ED25519, false, ['verify']);
    return await crypto.subtle.verify(ED25519, key, sig as BufferSource, data as BufferSource);
  } catch {
    return false;
  }
}
