/**
 * The hub's signing keys and its trust document, created on first start and reloaded after
 * (same keys, same trust). PEM PKCS#8 files with mode 0600 written atomically.
 */
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildTrustDoc,
  generateSigningKey,
  importSigningKey,
  parseEnvelope,
  signTrustDoc,
  verifyInitialTrust,
  ProtocolError,
  type Envelope,
  type SigningKey,
  type TrustDoc,
} from '@edgefleet/protocol';
import { writeFileAtomic } from './atomic-file';
import type { Logger } from './logger';

const TRUST_LIFETIME_MS = 365 * 86_400_000;

export interface HubKeys {
  root: SigningKey;
  release: SigningKey;
  trust: TrustDoc;
  trustEnvelope: Envelope;
}

export function pkcs8ToPem(pkcs8: Uint8Array): string {
  return createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** Loads an Ed25519 private key from a `-----BEGIN PRIVATE KEY-----` PEM file. */
export async function readSigningKeyPem(path: string): Promise<SigningKey> {
  const pem = await readFile(path, 'utf8');
  const der = createPrivateKey({ key: pem, format: 'pem' }).export({ format: 'der', type: 'pkcs8' });
  return importSigningKey(new Uint8Array(der));
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
}

export async function loadOrCreateKeys(dataDir: string, now: Date, logger: Logger): Promise<HubKeys> {
  const rootPath = join(dataDir, 'keys', 'root.pem');
  const releasePath = join(dataDir, 'keys', 'release.pem');
  const trustPath = join(dataDir, 'trust.json');
  const [haveRoot, haveRelease] = await Promise.all([exists(rootPath), exists(releasePath)]);
  if (haveRoot !== haveRelease) {
    // Silently minting a new key here would orphan every device that trusts the old one.
    throw new Error(`${haveRoot ? releasePath : rootPath} is missing while ${haveRoot ? rootPath : releasePath} exists; restore it from backup`);
  }
  if (!haveRoot) {
    const root = await generateSigningKey();
    const release = await generateSigningKey();
    await writeFileAtomic(rootPath, pkcs8ToPem(root.pkcs8));
    await writeFileAtomic(releasePath, pkcs8ToPem(release.pkcs8));
    logger.info('generated root and release keys', { rootKeyid: root.key.keyid, releaseKeyid: release.key.keyid });
  }
  const root = await readSigningKeyPem(rootPath);
  const release = await readSigningKeyPem(releasePath);

  if (await exists(trustPath)) {
    const trustEnvelope = parseEnvelope(new Uint8Array(await readFile(trustPath)), 'trust.json');
    const trust = await openOwnTrust(trustEnvelope, now, logger);
    if (!trust.roles.release.keyids.includes(release.keyid) || !trust.roles.root.keyids.includes(root.keyid)) {
      throw new Error(`${trustPath} does not name the keys in ${join(dataDir, 'keys')}`);
    }
    return { root, release, trust, trustEnvelope };
  }
  const trust = buildTrustDoc({ version: 1, expires: new Date(now.getTime() + TRUST_LIFETIME_MS), rootKeys: [root], releaseKeys: [release] });
  const trustEnvelope = await signTrustDoc(trust, [root]);
  await writeFileAtomic(trustPath, `${JSON.stringify(trustEnvelope, null, 2)}\n`, 0o644);
  logger.info('created trust document', { version: trust.version, expires: trust.expires });
  return { root, release, trust, trustEnvelope };
}

/** Our own trust doc must verify; an expired one still loads (agents will say so) with a warning. */
async function openOwnTrust(envelope: Envelope, now: Date, logger: Logger): Promise<TrustDoc> {
  try {
    return await verifyInitialTrust(envelope, now);
  } catch (error) {
    if (!(error instanceof ProtocolError) || error.code !== 'E_EXPIRED') throw error;
    logger.warn('trust document has expired; devices will refuse it until it is renewed');
    return verifyInitialTrust(envelope, new Date(0));
  }
}
