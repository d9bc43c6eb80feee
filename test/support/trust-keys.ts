/**
 * Offline keys for the trust-chain tests: root and release keys made as an operator would (never
 * on the hub), a first trust document placed in a hub's data dir before it starts, and later
 * versions signed by whichever root keys a test wants (all needed, too few, the wrong ones).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createPrivateKey } from 'node:crypto';
import { join } from 'node:path';
import { buildTrustDoc, generateSigningKey, signTrustDoc, type Envelope, type SigningKey, type TrustDoc } from '@edgefleet/protocol';

export interface OfflineKey {
  key: SigningKey;
  pem: string;
}

export async function offlineKey(): Promise<OfflineKey> {
  const { key, pkcs8 } = await generateSigningKey();
  const pem = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }).toString();
  return { key, pem };
}

export interface TrustSpec {
  version: number;
  roots: readonly OfflineKey[];
  releases: readonly OfflineKey[];
  rootThreshold?: number;
  releaseThreshold?: number;
  /** default: a year from now */
  expires?: Date;
}

const trustDocOf = (spec: TrustSpec): TrustDoc =>
  buildTrustDoc({
    version: spec.version,
    expires: spec.expires ?? new Date(Date.now() + 365 * 86_400_000),
    rootKeys: spec.roots.map((k) => k.key),
    releaseKeys: spec.releases.map((k) => k.key),
    rootThreshold: spec.rootThreshold ?? 1,
    releaseThreshold: spec.releaseThreshold ?? 1,
  });

/** `spec` signed by `signers` (for a rotation: the old and the new root keys). */
export const signedTrust = (spec: TrustSpec, signers: readonly OfflineKey[]): Promise<Envelope> => signTrustDoc(trustDocOf(spec), signers.map((k) => k.key));

/** What an operator puts into an empty data dir before the first start: trust/1.json and the release keys. */
export async function placeOfflineTrust(dataDir: string, first: Envelope, releases: readonly OfflineKey[]): Promise<void> {
  await mkdir(join(dataDir, 'trust'), { recursive: true });
  await mkdir(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });
  await writeFile(join(dataDir, 'trust', '1.json'), JSON.stringify(first, null, 2));
  for (const release of releases) await placeReleaseKey(dataDir, release);
}

export const placeReleaseKey = (dataDir: string, release: OfflineKey): Promise<void> =>
  writeFile(join(dataDir, 'keys', `release-${release.key.keyid.slice(0, 16)}.pem`), release.pem, { mode: 0o600 });
