/**
 * The last step of every new version (uploaded, trained, quantized): give it the next release
 * counter, build and sign its manifest, and store the row and an audit entry in one
 * transaction. The artifact must already be in the store under `sha256`. A probe too large to
 * ride inline (core/probe-blob.ts) is stored first as a probe blob, which the manifest names by
 * hash; the row keeps the whole probe either way.
 *
 * Replicas sharing one database may register versions of one model at once, and the release
 * counter is signed into the manifest, so it must be known before signing yet still be the next
 * one when the row is written. The transaction locks the model (models.ts lockModel) and reads
 * the counter again: the manifest signed beforehand is stored only if that counter is still the
 * one it was signed with; otherwise (another replica got there first) the next attempt signs
 * inside the locked transaction, where nobody can take the counter. So the common case does no
 * crypto while holding the lock (on SQLite a transaction holds the whole database, and WebCrypto
 * waits for libuv's thread pool, which credential checks may be keeping busy), and a registration
 * never needs more than two attempts. Registrations on one replica queue on an in-process lock
 * first, so only registrations on different replicas ever take the second attempt.
 *
 * Versions and datasets can be deleted (services/lifecycle): inside the same transaction the
 * files and datasets the new version names are checked to still be there, under the locks their
 * removal takes (lifecycle/content-guard.ts), and a deleted version's label is refused.
 */
import { probeBlobBytes, signPayload, type Envelope, type IoSpec, type Probe, type ReferenceProfile, type ReleaseManifest, type ReleaseProbe } from '@edgefleet/protocol';
import { contentRefsOf } from '../../core/lifecycle/content-refs';
import { manifestProbe, probeStaysInline } from '../../core/probe-blob';
import { buildReleaseManifest } from '../../core/release-manifest';
import { refuseOversizedRelease } from '../../core/doc-size';
import { writeAudit } from '../../adapters/db/audit';
import { insertVersion, lockModel, maxReleaseCounter } from '../../adapters/db/models';
import type { HubContext } from '../context';
import { guardVersionContent } from '../lifecycle/content-guard';
import { refuseTakenLabel } from '../lifecycle/versions';

export interface NewVersion {
  model: string;
  /** label; default the release counter */
  version: string | undefined;
  sha256: string;
  size: number;
  io: { inputs: IoSpec[]; outputs: IoSpec[] };
  opset: number | undefined;
  probe: Probe;
  quantization?: ReleaseManifest['quantization'];
  reference?: ReferenceProfile | null;
  lineage?: ReleaseManifest['lineage'];
}

export interface RegisteredVersion {
  manifest: ReleaseManifest;
}

export type RegisterDeps = Pick<HubContext, 'db' | 'now' | 'logger' | 'probes' | 'keys' | 'urls' | 'locks' | 'artifacts' | 'datasets'>;

export function registerVersion(deps: RegisterDeps, input: NewVersion, actor: string, auditAction = 'model.version.uploaded'): Promise<RegisteredVersion> {
  const { model } = input;
  return deps.locks.models.run(model, async () => {
    const now = deps.now();
    const createdAt = now.toISOString();
    const probe = await placeProbe(deps, input.probe);
    const sign = async (previousCounter: number): Promise<{ manifest: ReleaseManifest; envelope: Envelope }> => {
      const manifest = buildReleaseManifest({ ...input, probe, previousCounter, publicUrl: deps.urls.publicUrl, now });
      return { manifest, envelope: await signPayload(manifest, deps.keys.releaseKeys) };
    };
    const previousCounter = await maxReleaseCounter(deps.db, model);
    let presigned: Awaited<ReturnType<typeof sign>> | null = await sign(previousCounter);
    // Devices fetch the manifest by reference and refuse one over their limit: refused before anything is stored.
    refuseOversizedRelease(presigned.manifest, presigned.envelope);
    for (;;) {
      const signedFirst = presigned;
      const manifest = await deps.db.transaction(async (tx) => {
        await lockModel(tx, model, createdAt);
        const current = await maxReleaseCounter(tx, model);
        if (signedFirst !== null && current !== previousCounter) return null;
        const { manifest, envelope } = signedFirst ?? (await sign(current));
        await refuseTakenLabel(tx, model, manifest.version);
        await guardVersionContent(deps, tx, input.sha256, contentRefsOf(manifest));
        await insertVersion(
          tx,
          {
            model,
            version: manifest.version,
            releaseCounter: manifest.releaseCounter,
            sha256: input.sha256,
            size: input.size,
            io: input.io,
            opset: input.opset ?? null,
            probe: input.probe,
            manifest: envelope,
            createdAt,
          },
          createdAt,
        );
        await writeAudit(tx, {
          at: now,
          actor,
          action: auditAction,
          subject: `model:${model}`,
          details: { version: manifest.version, releaseCounter: manifest.releaseCounter, sha256: input.sha256, size: input.size, quantization: manifest.quantization, lineage: manifest.lineage },
        });
        return manifest;
      });
      if (manifest) {
        deps.logger.info('model version registered', { model, version: manifest.version, releaseCounter: manifest.releaseCounter, sha256: input.sha256, source: manifest.lineage.source });
        return { manifest };
      }
      // Another replica took the counter signed above: sign again, under the lock this time.
      presigned = null;
    }
  });
}

/**
 * Stores a large probe as a blob (fsync + rename, content-addressed, so a crash leaves at most an
 * unreferenced file) before the manifest that names it is signed; a small one stays inline.
 */
async function placeProbe(deps: Pick<HubContext, 'probes'>, probe: Probe): Promise<ReleaseProbe> {
  const bytes = probeBlobBytes(probe);
  if (probeStaysInline(bytes.length)) return probe;
  return manifestProbe(probe, await deps.probes.put(bytes));
}
