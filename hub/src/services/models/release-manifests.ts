/**
 * The signed release manifests as devices fetch them: by the SHA-256 of their envelope bytes
 * (protocol release-ref.ts). A version's manifest never changes once registered, so each is read
 * and hashed once and kept: a rollout step then names thousands of devices' releases without
 * reading or parsing a manifest per device (PERF: 38% of a rollout's time was drizzle parsing
 * stored manifests), and `GET /device/v1/releases/<sha256>` answers from memory.
 *
 * Several replicas may share the database, and a version registered on one is unknown to the
 * others' caches: only what was found is cached, never that something was not, so a miss always
 * asks the database. Lookups that miss together share one query, but a caller only ever waits
 * for a query that began after it asked, so nobody is told "not found" by a read older than
 * its request.
 *
 * Deleted versions (tombstone rows, services/lifecycle/versions.ts) are never found: a lookup
 * that reads the row skips them, the deleting replica forgets its cached entry, and another
 * replica that cached the release before the deletion is stopped by the assignment's own check
 * under the version's row lock (services/lifecycle/versions.ts refuseDeletedTargets).
 *
 * The bytes served and hashed are envelopeBytes of the stored envelope (field order fixed, no
 * whitespace), not the stored JSON text: the signatures cover the payload's base64 bytes, so
 * the column may be stored as PostgreSQL's jsonb, which reorders keys and drops whitespace.
 */
import { createHash } from 'node:crypto';
import { envelopeBytes, envelopeSchema, parseWith, type Envelope, type ReleaseRef } from '@edgefleet/protocol';
import type { Db } from '../../adapters/db/db';
import { countVersions, getVersion, listVersionManifests, type VersionManifestRow } from '../../adapters/db/models';

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
  get(model: string, version: string): Promise<ReleaseInfo | undefined>;
  /** the manifest bytes a reference names; null when no version has them */
  bytesOf(sha256: string): Promise<Uint8Array | null>;
  /** drops a version just deleted here, so neither lookup finds it again */
  forget(model: string, version: string): void;
  /**
   * forgets everything: after the release key changed, manifests are signed again
   * (services/trust/resign.ts), the one case where a version's manifest changes
   */
  reset(): void;
}

export function infoOf(row: VersionManifestRow): ReleaseInfo {
  const envelope = parseWith(envelopeSchema, row.manifest, `stored manifest of ${row.model}@${row.version}`);
  const bytes = envelopeBytes(envelope);
  return { model: row.model, version: row.version, releaseCounter: row.releaseCounter, envelope, bytes, ref: { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length } };
}

/**
 * `work` run once for all callers that arrive while it is not yet running: a caller arriving
 * while it runs waits for that run to end and joins the next one, which starts after it asked.
 */
function freshSingleFlight(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  const start = (): Promise<void> => {
    if (running === null) {
      running = work().finally(() => {
        running = null;
      });
      return running;
    }
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = null;
        return start();
      });
    return queued;
  };
  return start;
}

export function releaseManifests(db: Db): ReleaseManifests {
  const byVersion = new Map<string, ReleaseInfo>();
  const byHash = new Map<string, ReleaseInfo>();
  // Every row indexed, tombstones included: rows are never removed (a deletion leaves a
  // tombstone), so the same count means the same set of rows, and requests for unknown hashes
  // cost one count query, never a scan each.
  const indexed = new Set<string>();
  const loading = new Map<string, Promise<ReleaseInfo | undefined>>();
  const remember = (info: ReleaseInfo): ReleaseInfo => {
    byVersion.set(`${info.model}@${info.version}`, info);
    byHash.set(info.ref.sha256, info);
    return info;
  };
  const indexNewVersions = freshSingleFlight(async () => {
    if ((await countVersions(db)) === indexed.size) return;
    for (const row of await listVersionManifests(db)) {
      const key = `${row.model}@${row.version}`;
      if (indexed.has(key)) continue;
      indexed.add(key);
      if (row.deletedAt === null && !byVersion.has(key)) remember(infoOf(row));
    }
  });
  return {
    async get(model, version) {
      const key = `${model}@${version}`;
      const known = byVersion.get(key);
      if (known) return known;
      // A lookup already under way may have begun before this request: its release is good, its "none" is not.
      const pending = loading.get(key);
      if (pending) {
        const info = await pending;
        if (info) return info;
      }
      const lookup = getVersion(db, model, version).then((row) => (row && row.deletedAt === null ? remember(infoOf(row)) : undefined));
      loading.set(key, lookup);
      try {
        return await lookup;
      } finally {
        if (loading.get(key) === lookup) loading.delete(key);
      }
    },
    async bytesOf(sha256) {
      const known = byHash.get(sha256);
      if (known) return known.bytes;
      await indexNewVersions();
      return byHash.get(sha256)?.bytes ?? null;
    },
    forget(model, version) {
      const key = `${model}@${version}`;
      const info = byVersion.get(key);
      byVersion.delete(key);
      if (info) byHash.delete(info.ref.sha256);
      indexed.add(key);
    },
    reset() {
      byVersion.clear();
      byHash.clear();
      indexed.clear();
    },
  };
}
