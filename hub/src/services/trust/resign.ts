/**
 * After the hub's release keys changed (a rotation or a revocation: the newest trust document
 * names other release keys), devices on the new trust document refuse everything signed by a key
 * it no longer names (E_SIG_UNTRUSTED). So the hub signs again what they still need:
 * - every live version's release manifest: the same payload bytes under the current keys (the
 *   payload, its release counter included, does not change; its envelope hash does, so the
 *   manifest cache is reset);
 * - every device's deployment doc, through the usual re-issue path: the same desired state (target,
 *   shadow, rollout step) with a new seq, naming the manifests signed again.
 * Only what is not signed by the current release role is touched, so running it again (another
 * replica noticing the same change, a restart after a crash midway) finds less or nothing to do.
 * Ed25519 signatures are deterministic: two replicas signing the same manifest write the same bytes.
 */
import { envelopeSchema, fromBase64 } from '@edgefleet/protocol';
import { listAssignments } from '../../adapters/db/assignments';
import { liveVersionManifests } from '../../adapters/db/models';
import { setVersionManifest } from '../../adapters/db/release-signatures';
import { storedDoc } from '../../core/deployment-doc';
import type { HubContext } from '../context';
import { assignDevices, sameDesiredState, type DeviceAssignment } from '../devices/deployments';
import { signedByRole } from './signer';

export interface Resigned {
  manifests: number;
  deploymentDocs: number;
}

export type ResignDeps = Pick<HubContext, 'db' | 'keys' | 'releases' | 'signDoc' | 'broker' | 'logger' | 'now' | 'deploymentTtlS' | 'statsIntervalS'>;

export async function resignForTrust(ctx: ResignDeps): Promise<Resigned> {
  const role = ctx.keys.trust.roles.release;
  let manifests = 0;
  for (const row of await liveVersionManifests(ctx.db)) {
    const parsed = envelopeSchema.safeParse(row.manifest);
    const payload = parsed.success ? fromBase64(parsed.data.payload) : null;
    if (!parsed.success || !payload) {
      ctx.logger.error('stored manifest is not a signed envelope; not signed again', { model: row.model, version: row.version });
      continue;
    }
    if (signedByRole(parsed.data, role)) continue;
    if (await setVersionManifest(ctx.db, row.model, row.version, ctx.keys.signBytes(payload))) manifests++;
  }
  // Every replica resets its own cache when it notices the change (follow-up.ts).
  ctx.releases.reset();

  const due: DeviceAssignment[] = [];
  for (const row of await listAssignments(ctx.db)) {
    const doc = envelopeSchema.safeParse(row.doc);
    if (doc.success && signedByRole(doc.data, role)) continue;
    due.push({ deviceId: row.deviceId, target: sameDesiredState(row, storedDoc(row.doc)) });
  }
  let deploymentDocs = 0;
  if (due.length > 0) {
    try {
      deploymentDocs = (await assignDevices(ctx, due, 'hub:trust')).length;
    } catch (error) {
      ctx.logger.error('could not re-issue the deployment docs signed by a release key no longer trusted', { devices: due.length, error: error instanceof Error ? error.message : String(error) });
    }
  }
  if (manifests > 0 || deploymentDocs > 0) ctx.logger.info('signed again under the current release keys', { manifests, deploymentDocs, keyids: ctx.keys.releaseKeys.map((k) => k.keyid) });
  return { manifests, deploymentDocs };
}
