/**
 * Device secrets: 32 random bytes shown once, kept as HMAC-SHA256 under a hub-held 32-byte key,
 * `hmac-sha256$<keyid>$<base64url>` (the key id lets the key be rotated later). A slow KDF
 * protects low-entropy human passwords; a 256-bit random secret cannot be guessed whatever the
 * hash, and scrypt only handed attackers a CPU lever (THREATS "Broker (aedes) hardening").
 *
 * Rows from before are `scrypt$N$r$p$salt$hash`: they still verify, through the bounded slow
 * queue of core/auth-admission, and are rewritten in the keyed form on their first success.
 * Every check goes through that admission control first. Secrets are never logged or kept.
 */
import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuthAdmission, DEFAULT_AUTH_LIMITS, sourceKey, type AuthLimits, type AuthOutcome } from '../core/auth-admission';
import { writeFileAtomic } from './atomic-file';
import type { Logger } from './logger';

const HMAC_SCHEME = 'hmac-sha256';
const KEY_BYTES = 32;
/** Under `<dataDir>/keys/`, beside the signing keys: back it up with them. */
export const SECRET_KEY_FILE = 'device-secrets.key';

export const generateSecret = (): string => randomBytes(32).toString('base64url');

export interface SecretKey {
  /** 16 hex digits of the key's SHA-256: names the key in stored hashes, reveals nothing of it */
  keyid: string;
  key: Buffer;
}

export function secretKeyFrom(key: Buffer): SecretKey {
  if (key.length !== KEY_BYTES) throw new Error(`a device secret key is ${KEY_BYTES} bytes, not ${key.length}`);
  return { keyid: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

/** The stored form of a secret under `key`. Microseconds, deterministic. */
export function hashSecret(secret: string, key: SecretKey): string {
  return [HMAC_SCHEME, key.keyid, createHmac('sha256', key.key).update(secret, 'utf8').digest('base64url')].join('$');
}

export type StoredHash =
  | { scheme: 'hmac-sha256'; keyid: string; digest: Buffer }
  | { scheme: 'scrypt'; N: number; r: number; p: number; salt: Buffer; hash: Buffer };

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const SCRYPT_MAXMEM = 64 * 1024 * 1024;
const isPowerOfTwo = (n: number): boolean => Number.isSafeInteger(n) && n > 1 && (n & (n - 1)) === 0;

/** A stored value, or null when it is not one this hub wrote (any such row is refused). */
export function parseStoredHash(encoded: string): StoredHash | null {
  const parts = encoded.split('$');
  if (parts[0] === HMAC_SCHEME && parts.length === 3) {
    const [, keyid = '', digestText = ''] = parts;
    if (!/^[0-9a-f]{16}$/.test(keyid) || !BASE64URL.test(digestText)) return null;
    const digest = Buffer.from(digestText, 'base64url');
    return digest.length === 32 ? { scheme: HMAC_SCHEME, keyid, digest } : null;
  }
  if (parts[0] === 'scrypt' && parts.length === 6) {
    const [, n = '', r = '', p = '', saltText = '', hashText = ''] = parts;
    const [N, R, P] = [Number(n), Number(r), Number(p)];
    // Bounds keep a corrupt row from asking for gigabytes: this hub wrote N=16384, r=8, p=1 (16 MiB).
    if (!isPowerOfTwo(N) || !Number.isSafeInteger(R) || R < 1 || !Number.isSafeInteger(P) || P < 1 || P > 4 || 128 * N * R > SCRYPT_MAXMEM / 2) return null;
    if (!BASE64URL.test(saltText) || !BASE64URL.test(hashText)) return null;
    const hash = Buffer.from(hashText, 'base64url');
    if (hash.length < 16 || hash.length > 64) return null;
    return { scheme: 'scrypt', N, r: R, p: P, salt: Buffer.from(saltText, 'base64url'), hash };
  }
  return null;
}

/** Constant time in the secret: one HMAC and a fixed-length comparison. */
export function verifyKeyed(secret: string, stored: Extract<StoredHash, { scheme: 'hmac-sha256' }>, key: SecretKey): boolean {
  const actual = createHmac('sha256', key.key).update(secret, 'utf8').digest();
  return actual.length === stored.digest.length && timingSafeEqual(actual, stored.digest);
}

/** The legacy check: tens of milliseconds on a libuv pool thread. */
export function verifyScrypt(secret: string, stored: Extract<StoredHash, { scheme: 'scrypt' }>): Promise<boolean> {
  const options: ScryptOptions = { N: stored.N, r: stored.r, p: stored.p, maxmem: SCRYPT_MAXMEM };
  return new Promise((resolve, reject) => {
    scrypt(secret, stored.salt, stored.hash.length, options, (error, actual) => (error ? reject(error) : resolve(timingSafeEqual(actual, stored.hash))));
  });
}

/** Constant-time string comparison that does not leak the length either. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * Loads `<dataDir>/keys/device-secrets.key` (base64url), or creates it (mode 0600, atomically) on
 * first start; `beforeCreate` may refuse by throwing (or rejecting).
 */
export async function loadOrCreateSecretKey(dataDir: string, beforeCreate: (path: string) => void | Promise<void> = () => undefined): Promise<{ key: SecretKey; created: boolean; path: string }> {
  const path = join(dataDir, 'keys', SECRET_KEY_FILE);
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (text !== null) {
    const trimmed = text.trim();
    const bytes = Buffer.from(trimmed, 'base64url');
    if (!BASE64URL.test(trimmed) || bytes.length !== KEY_BYTES) throw new Error(`${path} does not hold a ${KEY_BYTES}-byte base64url key; restore it from backup`);
    return { key: secretKeyFrom(bytes), created: false, path };
  }
  await beforeCreate(path);
  const bytes = randomBytes(KEY_BYTES);
  await writeFileAtomic(path, `${bytes.toString('base64url')}\n`);
  return { key: secretKeyFrom(bytes), created: true, path };
}

/**
 * Where the hashes live (the devices table, on SQLite or PostgreSQL: hence async); `replace`
 * writes only over the value it names, so a row another replica changed meanwhile wins.
 */
export interface DeviceSecretStore {
  lookup(deviceId: string): Promise<string | undefined>;
  replace(deviceId: string, expected: string, next: string): Promise<boolean>;
  /** rows whose stored value starts with `prefix` */
  countWithPrefix(prefix: string): Promise<number>;
}

export interface CredentialVerifier {
  /** `source` is the remote address the attempt came from: what failures are counted against */
  verify(deviceId: string, secret: string, source: string): Promise<AuthOutcome>;
  /** the stored form of a new secret */
  hash(secret: string): string;
}

export interface CredentialVerifierOptions {
  store: DeviceSecretStore;
  /** the first one hashes; the others still verify, and their rows move to the first on success */
  keys: readonly [SecretKey, ...SecretKey[]];
  now: () => number;
  logger: Logger;
  admission?: AuthAdmission;
}

export function createCredentialVerifier(options: CredentialVerifierOptions): CredentialVerifier {
  const { store, logger, now } = options;
  const [current] = options.keys;
  const keys = new Map(options.keys.map((key) => [key.keyid, key]));
  const admission = options.admission ?? new AuthAdmission(DEFAULT_AUTH_LIMITS);

  const failed = (source: string, deviceId: string): AuthOutcome => {
    const crossed = admission.recordFailure(source, deviceId, now());
    if (crossed.sourceThrottled) logger.warn('device auth: too many failures from this address; refusing it for a while', { source });
    if (crossed.deviceThrottled) logger.warn('device auth: too many failures for this device id; refusing the failing addresses for a while', { deviceId });
    return { kind: 'invalid' };
  };
  const succeeded = async (source: string, deviceId: string, encoded: string, outdated: boolean, secret: string): Promise<AuthOutcome> => {
    admission.recordSuccess(source, deviceId);
    // The upgrade is a courtesy: a failed write leaves the old row, which still verifies next time.
    if (outdated) {
      try {
        if (await store.replace(deviceId, encoded, hashSecret(secret, current))) logger.info('device secret hash upgraded to the keyed form', { deviceId, keyid: current.keyid });
      } catch (error) {
        logger.warn('could not upgrade the device secret hash; it is tried again on the next login', { deviceId, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return { kind: 'ok' };
  };

  return {
    hash: (secret) => hashSecret(secret, current),
    async verify(deviceId, secret, address) {
      const source = sourceKey(address);
      const refused = admission.check(source, deviceId, now());
      if (refused) return refused;
      const encoded = await store.lookup(deviceId);
      if (encoded === undefined) return failed(source, deviceId);
      const stored = parseStoredHash(encoded);
      const key = stored?.scheme === HMAC_SCHEME ? keys.get(stored.keyid) : undefined;
      if (stored?.scheme === HMAC_SCHEME && key) {
        return verifyKeyed(secret, stored, key) ? succeeded(source, deviceId, encoded, key !== current, secret) : failed(source, deviceId);
      }
      if (stored?.scheme === 'scrypt') {
        const slot = await admission.slot(source, now());
        if (slot.kind !== 'slot') return slot;
        // Failures recorded while this one waited (a flood's earlier attempts) count before it is hashed.
        const late = admission.check(source, deviceId, now());
        if (late) {
          slot.release();
          return late;
        }
        let ok: boolean;
        try {
          ok = await verifyScrypt(secret, stored);
        } finally {
          slot.release();
        }
        return ok ? succeeded(source, deviceId, encoded, true, secret) : failed(source, deviceId);
      }
      logger.error('device secret hash is malformed or under an unknown key; refusing the device', { deviceId });
      return failed(source, deviceId);
    },
  };
}

/**
 * The hub's verifier: its key (created on first start), its admission control, and a refusal to
 * start when rows are hashed under a key it does not have: a new key would lock those devices
 * out for good, so the old one must come back from backup.
 */
export async function deviceCredentialVerifier(store: DeviceSecretStore, options: { dataDir: string; now: () => number; logger: Logger; limits?: AuthLimits }): Promise<CredentialVerifier> {
  const anyKeyed = `${HMAC_SCHEME}$`;
  const { key, created, path } = await loadOrCreateSecretKey(options.dataDir, async (missing) => {
    const rows = await store.countWithPrefix(anyKeyed);
    if (rows > 0) throw new Error(`${missing} is missing while ${rows} device secrets are hashed with it; restore it from backup`);
  });
  const orphaned = (await store.countWithPrefix(anyKeyed)) - (await store.countWithPrefix(`${anyKeyed}${key.keyid}$`));
  if (orphaned > 0) throw new Error(`${orphaned} device secrets are hashed under a key other than ${path} (keyid ${key.keyid}); restore that key from backup`);
  if (created) options.logger.info('generated the device secret key', { path, keyid: key.keyid });
  return createCredentialVerifier({ store, keys: [key], now: options.now, logger: options.logger, admission: new AuthAdmission(options.limits ?? DEFAULT_AUTH_LIMITS) });
}
