/**
 * Archiving and deleting model versions (issue 15).
 *
 * Archived: hidden from the lists (unless asked for), refused for new use (assigned, shadowed,
 * rolled out, quantized from: 409 E_ARCHIVED), while devices running it keep running it and
 * rollouts under way go on: archiving is not a rollback. Allowed whatever uses the version.
 *
 * Deleted: refused (409 E_IN_USE, naming what holds it) while a device in service has it as its
 * active, previous (rollback) or shadow release, a rollout may still assign it or roll back to
 * it, or a training run queued or running reads its file (pruning or distilling it). Otherwise the row becomes a tombstone (its label and release counter are never reused;
 * audit, lineage parents and statistics keep naming it) and, after that commits, its model file
 * and probe blob are removed unless a version not deleted still needs the same bytes
 * (content-removal.ts). A deleted version is 404 on every read and new use. Deleting it again
 * answers its tombstone (and retries removing files a crash may have left).
 *
 * Both lock the version's row, so an assignment on another replica (which takes it shared,
 * refuseDeletedTargets) either committed first and holds it, or waits and is refused.
 */
import { HubError, notFound } from '../../core/errors';
import { contentRefsOf, versionKey } from '../../core/lifecycle/content-refs';
import { requirePresent, requireUsable, versionInUse } from '../../core/lifecycle/refusals';
import { decodeStoredManifest } from '../../core/release-manifest';
import { writeAudit } from '../../adapters/db/audit';
import type { Db } from '../../adapters/db/db';
import { devicesHolding, rolloutsHolding, runsDerivingFrom } from '../../adapters/db/holders';
import { deletedVersionsShared, getVersion, liveVersionsWithSha, lockExistingModel, lockVersion, markVersionDeleted, setVersionArchived, type ModelVersionRow } from '../../adapters/db/models';
import type { HubContext } from '../context';
import { removeModelFile, removeProbeBlob, versionsNaming, type FileOutcome } from './content-removal';

export interface VersionLifecycleView {
  model: string;
  version: string;
  releaseCounter: number;
  archivedAt: string | null;
  deletedAt: string | null;
}

export interface DeletedVersion extends VersionLifecycleView {
  deletedAt: string;
  sha256: string;
  /** true when it was deleted before this call (files a crash left behind were removed again) */
  alreadyDeleted: boolean;
  files: { artifact: FileOutcome; probeBlob: FileOutcome | null };
}

const what = (model: string, version: string): string => `model version ${model}@${version}`;
const unarchivePath = (model: string, version: string): string => `/api/v1/models/${model}/versions/${version}/unarchive`;
const viewOf = (row: ModelVersionRow): VersionLifecycleView => ({ model: row.model, version: row.version, releaseCounter: row.releaseCounter, archivedAt: row.archivedAt, deletedAt: row.deletedAt });

/** The version for new use (assign, shadow, roll out, quantize from): 404 unknown or deleted, 409 E_ARCHIVED archived. */
export async function requireUsableVersion(ctx: Pick<HubContext, 'db'>, model: string, version: string): Promise<ModelVersionRow> {
  return requireUsable(await getVersion(ctx.db, model, version), what(model, version), unarchivePath(model, version));
}

/**
 * For callers that find releases elsewhere (the assignment service's release catalog): refuses a
 * version that is archived (409) or deleted (404); an unknown one is left to the caller's lookup.
 */
export async function refuseArchivedOrDeleted(ctx: Pick<HubContext, 'db'>, model: string, version: string): Promise<void> {
  const row = await getVersion(ctx.db, model, version);
  if (row) usableVersionRow(row, model, version);
}

/** The row if it may be newly used (for callers that read it already). */
export const usableVersionRow = (row: ModelVersionRow | undefined, model: string, version: string): ModelVersionRow => requireUsable(row, what(model, version), unarchivePath(model, version));

/**
 * Inside an assignment's transaction: 404 for a target or shadow deleted since its release was
 * looked up (on this replica or another), their rows locked shared until the assignment commits.
 */
export async function refuseDeletedTargets(tx: Db, targets: ReadonlyArray<{ model: string; version: string; shadow?: { model: string; version: string } | null }>): Promise<void> {
  const pairs = new Map<string, { model: string; version: string }>();
  for (const target of targets) for (const pair of target.shadow ? [target, target.shadow] : [target]) pairs.set(versionKey(pair), { model: pair.model, version: pair.version });
  const [deleted] = await deletedVersionsShared(tx, [...pairs.values()]);
  if (deleted !== undefined) throw new HubError('E_NOT_FOUND', `model version ${deleted} not found: it was deleted`);
}

/** 409 with a clear message when `model@version` is taken, by a version or by a deleted version's tombstone. */
export async function refuseTakenLabel(db: Db, model: string, version: string): Promise<void> {
  const row = await getVersion(db, model, version);
  if (!row) return;
  if (row.deletedAt !== null) {
    throw new HubError('E_CONFLICT', `${model}@${version} was deleted at ${row.deletedAt}; a deleted version's label is never used again (audit, lineage and statistics still name it): choose another label`);
  }
  throw new HubError('E_CONFLICT', `${model}@${version} already exists`);
}

async function setArchived(ctx: Pick<HubContext, 'db' | 'now'>, model: string, version: string, archived: boolean, actor: string): Promise<VersionLifecycleView> {
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    await lockVersion(tx, model, version);
    const row = requirePresent(await getVersion(tx, model, version), what(model, version));
    // Idempotent: already in the asked state is a success that changes and audits nothing.
    if ((row.archivedAt !== null) === archived) return viewOf(row);
    const archivedAt = archived ? now.toISOString() : null;
    await setVersionArchived(tx, model, version, archivedAt);
    await writeAudit(tx, { at: now, actor, action: archived ? 'model.version.archived' : 'model.version.unarchived', subject: `model:${model}`, details: { version, releaseCounter: row.releaseCounter } });
    return { ...viewOf(row), archivedAt };
  });
}

export const archiveVersion = (ctx: Pick<HubContext, 'db' | 'now'>, model: string, version: string, actor: string): Promise<VersionLifecycleView> => setArchived(ctx, model, version, true, actor);
export const unarchiveVersion = (ctx: Pick<HubContext, 'db' | 'now'>, model: string, version: string, actor: string): Promise<VersionLifecycleView> => setArchived(ctx, model, version, false, actor);

export type DeleteVersionDeps = Pick<HubContext, 'db' | 'now' | 'logger' | 'artifacts' | 'probes' | 'releases'>;

export async function deleteVersion(ctx: DeleteVersionDeps, model: string, version: string, actor: string): Promise<DeletedVersion> {
  const now = ctx.now();
  const { row, alreadyDeleted } = await ctx.db.transaction(async (tx) => {
    // The model's row first, as a rollout's creation takes it: one made meanwhile is seen below.
    await lockExistingModel(tx, model);
    await lockVersion(tx, model, version);
    const found = await getVersion(tx, model, version);
    if (!found) throw notFound(what(model, version));
    if (found.deletedAt !== null) return { row: found, alreadyDeleted: true };
    const refusal = versionInUse(`${model}@${version}`, await devicesHolding(tx, model, version), await rolloutsHolding(tx, model, version), await runsDerivingFrom(tx, model, version));
    if (refusal) throw refusal;
    const deletedAt = now.toISOString();
    await markVersionDeleted(tx, model, version, deletedAt);
    const probeBlob = contentRefsOf(decodeStoredManifest(found.manifest)).probeBlob;
    const sharing = (await liveVersionsWithSha(tx, found.sha256)).map(versionKey);
    await writeAudit(tx, {
      at: now,
      actor,
      action: 'model.version.deleted',
      subject: `model:${model}`,
      // What goes with it: the file unless other versions share its bytes (checked again when it is removed).
      details: { version, releaseCounter: found.releaseCounter, sha256: found.sha256, size: found.size, probeBlob, artifactKeptFor: sharing, archivedAt: found.archivedAt },
    });
    return { row: { ...found, deletedAt }, alreadyDeleted: false };
  });
  ctx.releases.forget(model, version);
  const deletedAt = row.deletedAt ?? now.toISOString();
  const probeBlob = contentRefsOf(decodeStoredManifest(row.manifest)).probeBlob;
  const files = { artifact: await removeModelFile(ctx, row.sha256), probeBlob: probeBlob === null ? null : await removeProbeBlob(ctx, probeBlob) };
  if (!alreadyDeleted) ctx.logger.info('model version deleted', { model, version, sha256: row.sha256, artifact: files.artifact.file, probeBlob: files.probeBlob?.file ?? 'none' });
  return { ...viewOf(row), deletedAt, sha256: row.sha256, alreadyDeleted, files };
}

/** Live versions whose lineage names dataset `id` (trained on it, or its import reference). */
export const versionsNeedingDataset = (db: Db, id: string): Promise<string[]> => versionsNaming(db, (refs) => refs.datasets.includes(id));
