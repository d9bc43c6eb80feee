/**
 * The last step of every new version (uploaded, trained, quantized): give it the next release
 * counter, build and sign its manifest, and store the row and an audit entry in one
 * transaction. The artifact must already be in the store under `sha256`. A probe too large to
 * ride inline (core/probe-blob.ts) is stored first as a probe blob, which the manifest names by
 * hash; the row keeps the whole probe either way.
 */
import { probeBlobBytes, signPayload, type IoSpec, type Probe, type ReferenceProfile, type ReleaseManifest, type ReleaseProbe } from '@edgefleet/protocol';
import { conflict } from '../../core/errors';
import { manifestProbe, probeStaysInline } from '../../core/probe-blob';
import { buildReleaseManifest } from '../../core/release-manifest';
import { writeAudit } from '../../adapters/db/audit';
import { insertVersion, maxReleaseCounter, versionExists } from '../../adapters/db/models';
import type { HubContext } from '../context';

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

export function registerVersion(ctx: HubContext, input: NewVersion, actor: string, auditAction = 'model.version.uploaded'): Promise<RegisteredVersion> {
  const { model } = input;
  return ctx.locks.models.run(model, async () => {
    const now = ctx.now();
    const probe = await placeProbe(ctx, input.probe);
    const manifest = buildReleaseManifest({ ...input, probe, previousCounter: maxReleaseCounter(ctx.db, model), publicUrl: ctx.urls.publicUrl, now });
    // Checked under the lock: a concurrent registration may have taken the label meanwhile.
    if (versionExists(ctx.db, model, manifest.version)) throw conflict(`${model}@${manifest.version} already exists`);
    const envelope = await signPayload(manifest, [ctx.keys.release]);
    ctx.db.transaction((tx) => {
      insertVersion(
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
          createdAt: now.toISOString(),
        },
        now.toISOString(),
      );
      writeAudit(tx, {
        at: now,
        actor,
        action: auditAction,
        subject: `model:${model}`,
        details: { version: manifest.version, releaseCounter: manifest.releaseCounter, sha256: input.sha256, size: input.size, quantization: manifest.quantization, lineage: manifest.lineage },
      });
    });
    ctx.logger.info('model version registered', { model, version: manifest.version, releaseCounter: manifest.releaseCounter, sha256: input.sha256, source: manifest.lineage.source });
    return { manifest };
  });
}

/**
 * Stores a large probe as a blob (fsync + rename, content-addressed, so a crash leaves at most an
 * unreferenced file) before the manifest that names it is signed; a small one stays inline.
 */
async function placeProbe(ctx: Pick<HubContext, 'probes'>, probe: Probe): Promise<ReleaseProbe> {
  const bytes = probeBlobBytes(probe);
  if (probeStaysInline(bytes.length)) return probe;
  return manifestProbe(probe, await ctx.probes.put(bytes));
}
