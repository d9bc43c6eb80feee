/**
 * The signed release manifests as devices fetch them: by the SHA-256 of their envelope bytes
 * (protocol release-ref.ts). A version's manifest never changes once registered, so each is read
 * and hashed once and kept: a rollout step then names thousands of devices' releases without
 * reading or parsing a manifest per device (PERF: 38% of a rollout's time was drizzle parsing
 * stored manifests), and `GET /device/v1/releases/<sha256>` answers from memory.
 */
import { createHash } from 'node:crypto';
import { envelopeBytes, envelopeSchema, parseWith, type Envelope, type ReleaseRef } from '@edgefleet/protocol';
import { countVersions, getVersion, listVersionManifests, type ModelVersionRow } from '../../adapters/db/models';
import type { Db } from '../../adapters/db/open';

export interface ReleaseInfo {
  model: string;
  version: string;
  releaseCounter: number;
  envelope: Envelope;
  /** what a deployment doc names: the hash and size of `bytes` */
  ref: ReleaseRef;
  /** the exact envelope bytes served to devices */
  bytes: Uint8Array;
}

export interface ReleaseManifests {
  /** the release of a registered version; undefined when there is no such version */
  get(model: string, version: string): ReleaseInfo | undefined;
  /** the manifest bytes a reference names; null when no version has them */
  bytesOf(sha256: string): Uint8Array | null;
}

export function infoOf(row: Pick<ModelVersionRow, 'model' | 'version' | 'releaseCounter' | 'manifest'>): ReleaseInfo {
  const envelope = parseWith(envelopeSchema, row.manifest, `stored manifest of ${row.model}@${row.version}`);
  const bytes = envelopeBytes(envelope);
  return { model: row.model, version: row.version, releaseCounter: row.releaseCounter, envelope, bytes, ref: { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length } };
}

export function releaseManifests(db: Db): ReleaseManifests {
  const byVersion = new Map<string, ReleaseInfo>();
  const byHash = new Map<string, ReleaseInfo>();
  const remember = (info: ReleaseInfo): ReleaseInfo => {
    byVersion.set(`${info.model}@${info.version}`, info);
    byHash.set(info.ref.sha256, info);
    return info;
  };
  return {
    get(model, version) {
      const known = byVersion.get(`${model}@${version}`);
      if (known) return known;
      const row = getVersion(db, model, version);
      return row ? remember(infoOf(row)) : undefined;
    },
    bytesOf(sha256) {
      const known = byHash.get(sha256);
      if (known) return known.bytes;
      // A version registered since (or a restart): index them all once more, but only when the
      // count moved, so requests for unknown hashes cost one count query, never a scan each.
      const count = countVersions(db);
      if (count !== byVersion.size) for (const row of listVersionManifests(db)) if (!byVersion.has(`${row.model}@${row.version}`)) remember(infoOf(row));
      return byHash.get(sha256)?.bytes ?? null;
    },
  };
}
