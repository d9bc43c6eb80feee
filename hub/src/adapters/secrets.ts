/**
 * Device secrets: 32 random bytes shown once, stored as a salted scrypt hash with its parameters
 * (`scrypt$N$r$p$salt$hash`), so the cost can be raised later without breaking old rows.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const PARAMS = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

function scryptAsync(secret: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export const generateSecret = (): string => randomBytes(32).toString('base64url');

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, KEY_LENGTH, { ...PARAMS, maxmem: 64 * 1024 * 1024 });
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifySecret(secret: string, encoded: string): Promise<boolean> {
  const [scheme, n, r, p, saltText, hashText] = encoded.split('$');
  if (scheme !== 'scrypt' || !saltText || !hashText) return false;
  const N = Number(n);
  const params = { N, r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 };
  if (![params.N, params.r, params.p].every(Number.isSafeInteger)) return false;
  const expected = Buffer.from(hashText, 'base64url');
  const actual = await scryptAsync(secret, Buffer.from(saltText, 'base64url'), expected.length, params);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Constant-time string comparison that does not leak the length either. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export interface CredentialVerifier {
  verify(deviceId: string, secret: string): Promise<boolean>;
}

/**
 * scrypt costs tens of milliseconds by design; a device fetching an artifact in many Range
 * requests or reconnecting should not pay it every time. Successful checks are remembered
 * briefly, keyed by a hash of the presented secret (the secret itself is never kept).
 */
export function cachedCredentialVerifier(lookupHash: (deviceId: string) => string | undefined, options: { ttlMs: number; maxEntries: number; now: () => number }): CredentialVerifier {
  const cache = new Map<string, number>();
  return {
    async verify(deviceId, secret) {
      const key = `${deviceId}\u0000${createHash('sha256').update(secret).digest('base64url')}`;
      const expires = cache.get(key);
      if (expires !== undefined && expires > options.now()) return true;
      cache.delete(key);
      const encoded = lookupHash(deviceId);
      if (encoded === undefined) return false;
      if (!(await verifySecret(secret, encoded))) return false;
      if (cache.size >= options.maxEntries) {
        const oldest = cache.keys().next();
        if (!oldest.done) cache.delete(oldest.value);
      }
      cache.set(key, options.now() + options.ttlMs);
      return true;
    },
  };
}
