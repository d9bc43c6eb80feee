/**
 * Device secrets at rest: the keyed hash, the hub's key file, old scrypt rows verified and
 * upgraded in a real SQLite file, malformed rows refused, and admission control in front of it all.
 * The same store on PostgreSQL: test/adapters/db/devices.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes, scryptSync } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuthAdmission, DEFAULT_AUTH_LIMITS, type AuthLimits } from '../src/core/auth-admission';
import { deviceSecretStore, getSecretHash, insertDevice } from '../src/adapters/db/devices';
import { openDatabase, type OpenedDb } from '../src/adapters/db/open';
import type { Logger } from '../src/adapters/logger';
import { SECRET_KEY_FILE, createCredentialVerifier, deviceCredentialVerifier, generateSecret, loadOrCreateSecretKey, parseStoredHash, type CredentialVerifier, type DeviceSecretStore } from '../src/adapters/secrets';
import { makeTempDir, type TempDir } from './support';

const KEYED = /^hmac-sha256\$[0-9a-f]{16}\$[A-Za-z0-9_-]{43}$/;

/** What the hub stored before: `scrypt$N$r$p$salt$hash`, computed here independently of the hub. */
function legacyScrypt(secret: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(secret, salt, 32, { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  return ['scrypt', 16_384, 8, 1, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

describe('device secrets', () => {
  let dir: TempDir;
  let opened: OpenedDb;
  let lines: string[];
  let logger: Logger;

  const addDevice = (id: string, secretHash: string): Promise<void> => insertDevice(opened.db, { id, secretHash, ring: 'default', tags: {}, createdAt: new Date(0).toISOString() });
  const verifier = (limits?: AuthLimits): Promise<CredentialVerifier> => deviceCredentialVerifier(deviceSecretStore(opened.db), { dataDir: dir.path, now: () => 0, logger, ...(limits ? { limits } : {}) });

  beforeEach(async () => {
    dir = await makeTempDir();
    await mkdir(join(dir.path, 'keys'), { recursive: true });
    opened = await openDatabase({ path: join(dir.path, 'edgefleet.db') });
    lines = [];
    const record = (level: string) => (msg: string, fields?: object) => lines.push(JSON.stringify({ level, msg, ...fields }));
    logger = { info: record('info'), warn: record('warn'), error: record('error') };
  });
  afterEach(async () => {
    await opened.close();
    await dir.remove();
  });

  it('creates the key once (0600, atomically) and loads the same key after', async () => {
    const first = await loadOrCreateSecretKey(dir.path);
    expect(first.created).toBe(true);
    expect(first.path).toBe(join(dir.path, 'keys', SECRET_KEY_FILE));
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(first.path, 'utf8')).trim(), 'base64url')).toHaveLength(32);
    expect(await readdir(join(dir.path, 'keys'))).toEqual([SECRET_KEY_FILE]); // no temp file left
    const again = await loadOrCreateSecretKey(dir.path);
    expect(again.created).toBe(false);
    expect(again.key.keyid).toBe(first.key.keyid);
    expect(again.key.key.equals(first.key.key)).toBe(true);
  });

  it('stores the keyed form; the right secret verifies, a wrong one or an unknown id does not', async () => {
    const credentials = await verifier();
    const secret = generateSecret();
    const stored = credentials.hash(secret);
    expect(stored).toMatch(KEYED);
    expect(stored).toContain(`$${(await loadOrCreateSecretKey(dir.path)).key.keyid}$`);
    await addDevice('dev-1', stored);
    expect(await credentials.verify('dev-1', secret, '127.0.0.1')).toEqual({ kind: 'ok' });
    expect(await credentials.verify('dev-1', `${secret}x`, '127.0.0.1')).toEqual({ kind: 'invalid' });
    expect(await credentials.verify('dev-1', '', '127.0.0.1')).toEqual({ kind: 'invalid' });
    expect(await credentials.verify('dev-2', secret, '127.0.0.1')).toEqual({ kind: 'invalid' });
    // Keyed: another hub (another key) hashes the same secret differently.
    const other = await makeTempDir();
    try {
      await mkdir(join(other.path, 'keys'));
      const otherDb = await openDatabase({ path: join(other.path, 'edgefleet.db') });
      const otherHash = (await deviceCredentialVerifier(deviceSecretStore(otherDb.db), { dataDir: other.path, now: () => 0, logger })).hash(secret);
      await otherDb.close();
      expect(otherHash).toMatch(KEYED);
      expect(otherHash).not.toBe(stored);
    } finally {
      await other.remove();
    }
    expect(lines.join('\n')).not.toContain(secret);
  });

  it('verifies an old scrypt row, rewrites it in the keyed form, and verifies that without scrypt', async () => {
    const credentials = await verifier();
    const secret = generateSecret();
    const legacy = legacyScrypt(secret);
    await addDevice('old-1', legacy);

    // A wrong secret leaves the row alone.
    expect(await credentials.verify('old-1', 'not-the-secret', '127.0.0.1')).toEqual({ kind: 'invalid' });
    expect(await getSecretHash(opened.db, 'old-1')).toBe(legacy);

    expect(await credentials.verify('old-1', secret, '127.0.0.1')).toEqual({ kind: 'ok' });
    const upgraded = await getSecretHash(opened.db, 'old-1');
    expect(upgraded).toMatch(KEYED);
    expect(upgraded).toBe(credentials.hash(secret));
    expect(lines.some((line) => line.includes('upgraded') && line.includes('old-1'))).toBe(true);

    // The upgraded row verifies with no slow verification possible at all; an old row cannot.
    const noSlow = createCredentialVerifier({
      store: deviceSecretStore(opened.db),
      keys: [(await loadOrCreateSecretKey(dir.path)).key],
      now: () => 0,
      logger,
      admission: new AuthAdmission({ ...DEFAULT_AUTH_LIMITS, slow: { concurrency: 0, maxWaiting: 0, estimatedMs: 50 } }),
    });
    expect(await noSlow.verify('old-1', secret, '127.0.0.1')).toEqual({ kind: 'ok' });
    await addDevice('old-2', legacyScrypt(secret));
    expect(await noSlow.verify('old-2', secret, '127.0.0.1')).toMatchObject({ kind: 'busy' });
    expect(lines.join('\n')).not.toContain(secret);
  });

  it('lets an old row in when its upgrade cannot be written, and upgrades it on a later login', async () => {
    const key = (await loadOrCreateSecretKey(dir.path)).key;
    const store = deviceSecretStore(opened.db);
    let failWrites = true;
    const flaky: DeviceSecretStore = { ...store, replace: async (id, expected, next) => (failWrites ? Promise.reject(new Error('database unavailable')) : store.replace(id, expected, next)) };
    const credentials = createCredentialVerifier({ store: flaky, keys: [key], now: () => 0, logger });
    const secret = generateSecret();
    const legacy = legacyScrypt(secret);
    await addDevice('old-1', legacy);

    expect(await credentials.verify('old-1', secret, '127.0.0.1')).toEqual({ kind: 'ok' });
    expect(await getSecretHash(opened.db, 'old-1')).toBe(legacy);
    expect(lines.some((line) => line.includes('could not upgrade') && line.includes('database unavailable'))).toBe(true);

    failWrites = false;
    expect(await credentials.verify('old-1', secret, '127.0.0.1')).toEqual({ kind: 'ok' });
    expect(await getSecretHash(opened.db, 'old-1')).toBe(credentials.hash(secret));
  });

  it('refuses malformed stored values without throwing', async () => {
    const credentials = await verifier();
    const secret = generateSecret();
    const good = credentials.hash(secret);
    const [, keyid = '', digest = ''] = good.split('$');
    const salt = randomBytes(16).toString('base64url');
    const hash = randomBytes(32).toString('base64url');
    const malformed = [
      '',
      secret,
      `hmac-sha256$${keyid}`,
      `hmac-sha256$${keyid}$${digest}$extra`,
      `hmac-sha256$${keyid}$${digest.slice(0, 20)}`,
      `hmac-sha256$${keyid}$${digest.slice(0, -1)}!`,
      `hmac-sha256$0123456789abcdef$${digest}`, // a key this hub does not have
      `HMAC-SHA256$${keyid}$${digest}`,
      `scrypt$16384$8$1$${salt}`,
      `scrypt$16383$8$1$${salt}$${hash}`, // N not a power of two
      `scrypt$1048576$8$1$${salt}$${hash}`, // a gigabyte of memory
      `scrypt$16384$8$1$${salt}$`,
      `scrypt$16384$x$1$${salt}$${hash}`,
      `bcrypt$10$${salt}$${hash}`,
    ];
    for (const [index, value] of malformed.entries()) {
      const id = `bad-${index}`;
      await addDevice(id, value);
      expect(await credentials.verify(id, secret, `10.0.${index}.1`), value).toEqual({ kind: 'invalid' });
    }
    expect(parseStoredHash(good)).toMatchObject({ scheme: 'hmac-sha256', keyid });
    for (const value of malformed.filter((v) => !v.includes('0123456789abcdef'))) expect(parseStoredHash(value), value).toBeNull();
    expect(lines.filter((line) => line.includes('malformed'))).toHaveLength(malformed.length);
    expect(lines.join('\n')).not.toContain(secret);
  });

  it('refuses to start without the key its rows were hashed with, instead of minting a new one', async () => {
    const credentials = await verifier();
    await addDevice('dev-1', credentials.hash(generateSecret()));
    const keyPath = join(dir.path, 'keys', SECRET_KEY_FILE);
    const original = await readFile(keyPath, 'utf8');

    await writeFile(keyPath, `${randomBytes(32).toString('base64url')}\n`);
    await expect(verifier()).rejects.toThrow(/1 device secrets are hashed under a key other than .*restore that key from backup/);

    await writeFile(keyPath, 'not a key\n');
    await expect(verifier()).rejects.toThrow(/does not hold a 32-byte base64url key/);

    await rm(keyPath);
    await expect(verifier()).rejects.toThrow(/is missing while 1 device secrets are hashed with it; restore it from backup/);
    expect(await readdir(join(dir.path, 'keys'))).toEqual([]);

    await writeFile(keyPath, original);
    await expect(verifier()).resolves.toBeDefined();
  });

  it('refuses a failing source at once, without a database lookup or a hash, and not the device elsewhere', async () => {
    const key = (await loadOrCreateSecretKey(dir.path)).key;
    const store = deviceSecretStore(opened.db);
    let lookups = 0;
    const counting: DeviceSecretStore = { ...store, lookup: (id) => (lookups++, store.lookup(id)) };
    const credentials = createCredentialVerifier({
      store: counting,
      keys: [key],
      now: () => 0,
      logger,
      admission: new AuthAdmission({ ...DEFAULT_AUTH_LIMITS, perSource: { capacity: 5, perSecond: 1 }, perDevice: { capacity: 3, perSecond: 0.1 } }),
    });
    const secret = generateSecret();
    await addDevice('dev-1', credentials.hash(secret));

    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push((await credentials.verify('dev-1', `wrong-${i}`, '::ffff:10.6.6.6')).kind);
    expect(outcomes).toEqual(['invalid', 'invalid', 'invalid', 'throttled', 'throttled', 'throttled']);
    expect(lookups).toBe(3);
    // the right secret from the flooding address is refused too: it is that address's own doing
    expect(await credentials.verify('dev-1', secret, '10.6.6.6')).toMatchObject({ kind: 'throttled', scope: 'device' });
    // the device from its own address is not affected
    expect(await credentials.verify('dev-1', secret, '192.0.2.10')).toEqual({ kind: 'ok' });
    // the flooding address runs out of failures altogether on other ids
    for (const id of ['x1', 'x2']) expect((await credentials.verify(id, 'guess', '10.6.6.6')).kind).toBe('invalid');
    expect(await credentials.verify('x3', 'guess', '10.6.6.6')).toMatchObject({ kind: 'throttled', scope: 'source' });
    expect(lookups).toBe(6);
    expect(lines.filter((line) => line.includes('too many failures'))).toHaveLength(2);
    expect(lines.join('\n')).not.toContain(secret);
  });
});
