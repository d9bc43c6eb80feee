/**
 * The hub's signing keys and its chain of trust documents, as files in the data dir:
 * - `trust/<version>.json`: every version of the trust document (signed envelopes, 0644). Devices
 *   walk from the version they pinned to the newest, so none is ever removed. Replicas share the
 *   data dir: a version is created exclusively (hard link), never overwritten.
 * - `trust.json`: a copy of the newest version, for tools and older habits (the chain counts).
 * - `keys/release*.pem`: release keys (Ed25519 PKCS#8 PEM, 0600). The hub signs with those the
 *   newest trust document names; others (revoked) stay unused.
 * - `keys/root.pem`: only on a development hub, which made its own root key on first start. A
 *   production hub has no root key: the root keys stay offline with their holders (docs/keys.md).
 */
import { createPrivateKey, randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildTrustDoc,
  generateSigningKey,
  importSigningKey,
  MAX_TRUST_DOC_BYTES,
  parseEnvelope,
  signTrustDoc,
  verifyInitialTrust,
  type Envelope,
  type SigningKey,
} from '@edgefleet/protocol';
import { syncDirectory, writeFileAtomic } from './atomic-file';
import type { Logger } from './logger';

const TRUST_LIFETIME_MS = 365 * 86_400_000;
const VERSION_FILE = /^([1-9][0-9]{0,15})\.json$/;
const RELEASE_KEY_FILE = /^release.*\.pem$/;

export function pkcs8ToPem(pkcs8: Uint8Array): string {
  return createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** Loads an Ed25519 private key from a `-----BEGIN PRIVATE KEY-----` PEM file. */
export async function readSigningKeyPem(path: string): Promise<SigningKey> {
  const pem = await readFile(path, 'utf8');
  const der = createPrivateKey({ key: pem, format: 'pem' }).export({ format: 'der', type: 'pkcs8' });
  return importSigningKey(new Uint8Array(der));
}

const trustDir = (dataDir: string): string => join(dataDir, 'trust');
const keysDir = (dataDir: string): string => join(dataDir, 'keys');
export const trustVersionPath = (dataDir: string, version: number): string => join(trustDir(dataDir), `${version}.json`);
/** Where an operator places a release key a trust document names (any keys/release*.pem works). */
export const releaseKeyPath = (dataDir: string, keyid: string): string => join(keysDir(dataDir), `release-${keyid.slice(0, 16)}.pem`);

async function readIfExists(path: string): Promise<Buffer | null> {
  return readFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
}

/** The versions in trust/, ascending. */
export async function listTrustVersions(dataDir: string): Promise<number[]> {
  const names = await readdir(trustDir(dataDir)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return names.flatMap((name) => {
    const match = VERSION_FILE.exec(name);
    return match?.[1] ? [Number(match[1])] : [];
  }).sort((a, b) => a - b);
}

/** One version's envelope bytes, or null when there is no such file. */
export async function readTrustVersion(dataDir: string, version: number): Promise<Uint8Array | null> {
  const bytes = await readIfExists(trustVersionPath(dataDir, version));
  if (bytes && bytes.length > MAX_TRUST_DOC_BYTES) throw new Error(`${trustVersionPath(dataDir, version)} is larger than ${MAX_TRUST_DOC_BYTES} bytes`);
  return bytes ? new Uint8Array(bytes) : null;
}

const envelopeText = (envelope: Envelope): string => `${JSON.stringify({ payload: envelope.payload, signatures: envelope.signatures }, null, 2)}\n`;

/**
 * Creates trust/<version>.json, unless that version exists already (another replica published
 * it first): written to a temp file, flushed, then hard-linked into place, which fails rather
 * than replace an existing version. Then trust.json gets a copy.
 */
export async function writeTrustVersion(dataDir: string, version: number, envelope: Envelope): Promise<'written' | 'exists'> {
  const dir = trustDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const temp = join(dir, `.${version}.${randomBytes(6).toString('hex')}.tmp`);
  await writeFileAtomic(temp, envelopeText(envelope), 0o644);
  try {
    await link(temp, trustVersionPath(dataDir, version));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
  await syncDirectory(dir);
  await writeFileAtomic(join(dataDir, 'trust.json'), envelopeText(envelope), 0o644);
  return 'written';
}

export interface HeldKey {
  key: SigningKey;
  file: string;
}

/**
 * Every keys/release*.pem, by keyid. A file that does not load stops the hub, named. No keys/ is
 * no keys; a keys/ that cannot be read (EACCES) throws, rather than pass for an empty one.
 */
export async function readReleaseKeys(dataDir: string): Promise<HeldKey[]> {
  const listed = await readdir(keysDir(dataDir)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw new Error(`cannot read the release keys in ${keysDir(dataDir)}: ${error.message}`, { cause: error });
  });
  const names = listed.filter((name) => RELEASE_KEY_FILE.test(name)).sort();
  const held: HeldKey[] = [];
  for (const name of names) {
    const file = join(keysDir(dataDir), name);
    try {
      held.push({ key: await readSigningKeyPem(file), file });
    } catch (cause) {
      throw new Error(`${file} is not an Ed25519 private key (PKCS#8 PEM): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
  }
  return held;
}

/**
 * Makes sure trust/ holds a chain before the hub loads it:
 * - trust/ has versions: nothing to do (root keys offline, or a development hub restarting);
 * - an older hub's trust.json: copied in as its version;
 * - an older hub's keys/root.pem and keys/release.pem without trust.json: version 1 from them;
 * - nothing at all: a development hub. It makes a root key, a release key and version 1 (a year),
 *   and says that its root key is online.
 * A release key without any trust document stops the start: silently minting a root key would
 * orphan every device that trusts the old one.
 */
export async function prepareTrustChain(dataDir: string, now: Date, logger: Logger): Promise<void> {
  await mkdir(trustDir(dataDir), { recursive: true, mode: 0o755 });
  if ((await listTrustVersions(dataDir)).length > 0) return;
  const legacy = await readIfExists(join(dataDir, 'trust.json'));
  if (legacy) {
    const envelope = parseEnvelope(new Uint8Array(legacy), 'trust.json');
    const doc = await verifyInitialTrust(envelope, new Date(0));
    await writeTrustVersion(dataDir, doc.version, envelope);
    logger.info('copied trust.json into the trust chain', { version: doc.version, file: trustVersionPath(dataDir, doc.version) });
    return;
  }
  const rootPath = join(keysDir(dataDir), 'root.pem');
  const releasePath = join(keysDir(dataDir), 'release.pem');
  const [root, release] = await Promise.all([readIfExists(rootPath), readIfExists(releasePath)]);
  const heldRelease = await readReleaseKeys(dataDir);
  if (!root && heldRelease.length > 0) {
    throw new Error(`${trustDir(dataDir)} holds no trust document, and there is no root key to make one: place the trust document (version 1, signed offline) as ${trustVersionPath(dataDir, 1)} (docs/keys.md)`);
  }
  // A root key with neither a release key nor any trust document is a first start killed between
  // the two key files: no device can trust anything yet (devices pin a trust document), so the
  // release key is made now rather than refusing to start forever.
  if (root && !release) logger.warn('keys/root.pem without keys/release.pem and no trust document: completing an interrupted first start', { releasePath });
  const rootKey = root ? await readSigningKeyPem(rootPath) : (await generateKeyFile(rootPath)).key;
  const releaseKey = release ? await readSigningKeyPem(releasePath) : (await generateKeyFile(releasePath)).key;
  if (!root || !release) logger.info('generated signing keys', { rootKeyid: rootKey.keyid, releaseKeyid: releaseKey.keyid, generated: [...(root ? [] : ['root']), ...(release ? [] : ['release'])] });
  const doc = buildTrustDoc({ version: 1, expires: new Date(now.getTime() + TRUST_LIFETIME_MS), rootKeys: [rootKey], releaseKeys: [releaseKey] });
  await writeTrustVersion(dataDir, 1, await signTrustDoc(doc, [rootKey]));
  logger.info('created trust document', { version: 1, expires: doc.expires });
}

async function generateKeyFile(path: string): Promise<{ key: SigningKey }> {
  const { key, pkcs8 } = await generateSigningKey();
  await writeFileAtomic(path, pkcs8ToPem(pkcs8));
  return { key };
}

/** Whether keys/root.pem is on the hub (a development setup: the root key is online). */
export async function rootKeyOnline(dataDir: string): Promise<string | null> {
  const path = join(keysDir(dataDir), 'root.pem');
  return (await readIfExists(path)) ? path : null;
}
