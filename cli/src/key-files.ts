/**
 * Key and trust files of the offline commands (`edgefleet keys`, `edgefleet trust build|sign|
 * verify`): Ed25519 keys as PEM (private: PKCS#8, mode 0600; public: SPKI), trust documents as
 * JSON envelopes that collect signatures. Nothing here talks to a hub.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { fromBase64, importSigningKey, keyidOf, parseWith, trustDraftSchema, type SigningKey, type TrustDraft } from '@edgefleet/protocol';
import { usageError } from './errors';
import { readJsonFile, readSmallFile, writeFileAtomic, writeNewFile } from './files';

const MAX_KEY_FILE_BYTES = 16 * 1024;
const MAX_TRUST_FILE_BYTES = 64 * 1024;

export interface PublicKeyFile {
  keyid: string;
  publicRaw: Uint8Array;
  /** SPKI PEM */
  publicPem: string;
}

export interface KeyFile extends PublicKeyFile {
  /** set when the file holds the private key */
  signing: SigningKey | null;
}

/**
 * Writes `text` to a new file; `exists` is the usage error when `path` is taken. Checked by the
 * link that puts the file in place, not before: a file another process made meanwhile is kept.
 */
export async function writeNewTextFile(path: string, text: string, mode: number, exists: string): Promise<void> {
  try {
    await writeNewFile(path, text, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw usageError(exists);
    throw error;
  }
}

/** Writes a new Ed25519 private key (PKCS#8 PEM, 0600); refuses to replace an existing file. */
export async function createKeyFile(path: string): Promise<PublicKeyFile> {
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeNewTextFile(path, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 0o600, `${path} exists already: a key is never overwritten (choose another file name)`);
  const key = await readKeyFile(path, 'the new key');
  return { keyid: key.keyid, publicRaw: key.publicRaw, publicPem: key.publicPem };
}

/** A private (PKCS#8) or public (SPKI) Ed25519 PEM file; `what` names the option in errors. */
export async function readKeyFile(path: string, what: string): Promise<KeyFile> {
  const pem = (await readSmallFile(path, MAX_KEY_FILE_BYTES, what)).toString('utf8');
  try {
    if (pem.includes('PRIVATE KEY-----')) {
      const privateKey = createPrivateKey({ key: pem, format: 'pem' });
      if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`a ${privateKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
      const signing = await importSigningKey(new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' })));
      return { keyid: signing.keyid, publicRaw: signing.publicRaw, publicPem: publicPemOf(signing.publicRaw), signing };
    }
    const publicKey = createPublicKey({ key: pem, format: 'pem' });
    if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`a ${publicKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519`);
    const jwk = publicKey.export({ format: 'jwk' });
    const raw = jwk.x ? fromBase64(jwk.x.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(jwk.x.length / 4) * 4, '=')) : null;
    if (!raw || raw.length !== 32) throw new Error('malformed Ed25519 public key');
    return { keyid: await keyidOf(raw), publicRaw: raw, publicPem: publicPemOf(raw), signing: null };
  } catch (error) {
    if (error instanceof Error && 'exitCode' in error) throw error;
    throw usageError(`${what}: ${path} is not an Ed25519 key in PEM (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** A private key file, or a usage error saying a public one cannot sign. */
export async function readSigningKeyFile(path: string, what: string): Promise<SigningKey> {
  const key = await readKeyFile(path, what);
  if (!key.signing) throw usageError(`${what}: ${path} holds a public key; signing needs the private key file`);
  return key.signing;
}

function publicPemOf(raw: Uint8Array): string {
  const x = Buffer.from(raw).toString('base64url');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
}

/** A trust document file: an envelope with any number of signatures (a draft) or all of them. */
export async function readTrustFile(path: string, what: string): Promise<TrustDraft> {
  const value = await readJsonFile(path, MAX_TRUST_FILE_BYTES, what);
  try {
    return parseWith(trustDraftSchema, value, `${what} ${path}`);
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error));
  }
}

const trustFileText = (draft: TrustDraft): string => `${JSON.stringify({ payload: draft.payload, signatures: draft.signatures }, null, 2)}\n`;

/** Writes a trust file (0644: it holds public keys and signatures only). */
export async function writeTrustFile(path: string, draft: TrustDraft, options: { replace: boolean }): Promise<void> {
  if (options.replace) await writeFileAtomic(path, trustFileText(draft), 0o644);
  else await writeNewTextFile(path, trustFileText(draft), 0o644, `${path} exists already; choose another file name`);
}
