/**
 * Who may fetch a probe blob: a device whose assignment names a release whose signed manifest
 * names the blob (the active target, the previous one kept for rollback, or the shadow). Blobs
 * may hold real sample inputs (`?samples=`), so they are not open to every enrolled device.
 * Each release's manifest is decoded once for its probe reference and remembered.
 */
import { getAssignmentTarget } from '../../adapters/db/assignments';
import { probeBlobHash } from '../../core/probe-blob';
import { decodeStoredManifest } from '../../core/release-manifest';
import type { HubContext } from '../context';
import type { ReleaseInfo } from './release-manifests';

const blobOfRelease = new WeakMap<ReleaseInfo, string | null>();

function probeBlobOf(info: ReleaseInfo): string | null {
  let hash = blobOfRelease.get(info);
  if (hash === undefined) {
    hash = probeBlobHash(decodeStoredManifest(info.envelope).probe);
    blobOfRelease.set(info, hash);
  }
  return hash;
}

/** The probe blobs the releases assigned to `deviceId` name. */
export async function probeBlobsAssignedTo(ctx: Pick<HubContext, 'db' | 'releases'>, deviceId: string): Promise<Set<string>> {
  const target = await getAssignmentTarget(ctx.db, deviceId);
  const blobs = new Set<string>();
  if (!target) return blobs;
  const named: Array<[string | null, string | null]> = [
    [target.model, target.version],
    [target.previousModel, target.previousVersion],
    [target.shadowModel, target.shadowVersion],
  ];
  for (const [model, version] of named) {
    if (model === null || version === null) continue;
    const info = await ctx.releases.get(model, version);
    const hash = info ? probeBlobOf(info) : null;
    if (hash !== null) blobs.add(hash);
  }
  return blobs;
}
