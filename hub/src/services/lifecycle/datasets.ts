/**
 * Archiving and deleting datasets, and deleting sample inputs (issue 15).
 *
 * An archived dataset is hidden from the list (unless asked for) and takes no new training run or
 * model reference (409 E_ARCHIVED); what was made from it stays. Deleting is refused (409
 * E_IN_USE) while a version not deleted names it in its lineage (trained on it, or the reference
 * of an import; quantized children inherit both) or a training run queued or running reads it.
 * Otherwise the row becomes a tombstone (training runs keep naming it) and, once that commits, the
 * file goes (content-removal.ts). The id is the hash of the bytes: uploading the same CSV again
 * brings the dataset back (services/datasets/datasets.ts). Deleting it again answers its tombstone.
 *
 * Sample inputs (POST /api/v1/sample-inputs) are files without a row: deleting them is refused
 * while a version not deleted names them, checked again under the file's lock as it goes.
 */
import { HubError, notFound } from '../../core/errors';
import { datasetInUse, requirePresent, requireUsable, samplesInUse } from '../../core/lifecycle/refusals';
import { writeAudit } from '../../adapters/db/audit';
import { getDataset, lockDataset, markDatasetDeleted, setDatasetArchived, type DatasetRow } from '../../adapters/db/datasets';
import { runsUsingDataset } from '../../adapters/db/holders';
import type { Db } from '../../adapters/db/db';
import type { HubContext } from '../context';
import { removeDatasetFile, removeSampleFile, versionsNaming, type FileOutcome } from './content-removal';
import { versionsNeedingDataset } from './versions';

export interface DatasetLifecycleView {
  id: string;
  name: string;
  archivedAt: string | null;
  deletedAt: string | null;
}

export interface DeletedDataset extends DatasetLifecycleView {
  deletedAt: string;
  alreadyDeleted: boolean;
  file: FileOutcome;
}

const what = (id: string): string => `dataset ${id}`;
const viewOf = (row: DatasetRow): DatasetLifecycleView => ({ id: row.id, name: row.name, archivedAt: row.archivedAt, deletedAt: row.deletedAt });

/** The dataset for new use (a training run, a model's reference): 404 unknown or deleted, 409 E_ARCHIVED archived. */
export const usableDatasetRow = (row: DatasetRow | undefined, id: string): DatasetRow => requireUsable(row, what(id), `/api/v1/datasets/${id}/unarchive`);

/** Inside a transaction that makes new use of a dataset (queues a run on it): 404 once it is deleted, its row locked until the transaction ends. */
export async function refuseDeletedDataset(tx: Db, id: string): Promise<void> {
  await lockDataset(tx, id);
  const row = await getDataset(tx, id);
  if (row?.deletedAt) throw new HubError('E_NOT_FOUND', `${what(id)} not found: it was deleted at ${row.deletedAt}`, { details: { deletedAt: row.deletedAt } });
}

async function setArchived(ctx: Pick<HubContext, 'db' | 'now'>, id: string, archived: boolean, actor: string): Promise<DatasetLifecycleView> {
  const now = ctx.now();
  return ctx.db.transaction(async (tx) => {
    await lockDataset(tx, id);
    const row = requirePresent(await getDataset(tx, id), what(id));
    if ((row.archivedAt !== null) === archived) return viewOf(row);
    const archivedAt = archived ? now.toISOString() : null;
    await setDatasetArchived(tx, id, archivedAt);
    await writeAudit(tx, { at: now, actor, action: archived ? 'dataset.archived' : 'dataset.unarchived', subject: `dataset:${id}`, details: { name: row.name } });
    return { ...viewOf(row), archivedAt };
  });
}

export const archiveDataset = (ctx: Pick<HubContext, 'db' | 'now'>, id: string, actor: string): Promise<DatasetLifecycleView> => setArchived(ctx, id, true, actor);
export const unarchiveDataset = (ctx: Pick<HubContext, 'db' | 'now'>, id: string, actor: string): Promise<DatasetLifecycleView> => setArchived(ctx, id, false, actor);

export async function deleteDataset(ctx: Pick<HubContext, 'db' | 'now' | 'logger' | 'datasets'>, id: string, actor: string): Promise<DeletedDataset> {
  const now = ctx.now();
  const { row, alreadyDeleted } = await ctx.db.transaction(async (tx) => {
    // A version registering with this dataset in its lineage takes the same row lock
    // (content-guard.ts): it committed before (and is found below) or it will see the tombstone.
    await lockDataset(tx, id);
    const found = await getDataset(tx, id);
    if (!found) throw notFound(what(id));
    if (found.deletedAt !== null) return { row: found, alreadyDeleted: true };
    const refusal = datasetInUse(id, await versionsNeedingDataset(tx, id), await runsUsingDataset(tx, id));
    if (refusal) throw refusal;
    const deletedAt = now.toISOString();
    await markDatasetDeleted(tx, id, deletedAt);
    await writeAudit(tx, { at: now, actor, action: 'dataset.deleted', subject: `dataset:${id}`, details: { name: found.name, rows: found.rows, sizeBytes: found.sizeBytes, file: id, archivedAt: found.archivedAt } });
    return { row: { ...found, deletedAt, archivedAt: null }, alreadyDeleted: false };
  });
  const file = await removeDatasetFile(ctx, id);
  if (!alreadyDeleted) ctx.logger.info('dataset deleted', { id, name: row.name, file: file.file });
  return { ...viewOf(row), deletedAt: row.deletedAt ?? now.toISOString(), alreadyDeleted, file };
}

/** Deletes stored sample inputs no version names; 404 for an unknown id (or a dataset's). */
export async function deleteSampleInputs(ctx: Pick<HubContext, 'db' | 'now' | 'logger' | 'datasets'>, id: string, actor: string): Promise<{ id: string; deleted: true }> {
  // Sample files share the dataset store: a CSV's id is not a samples id.
  if ((await getDataset(ctx.db, id)) !== undefined || !(await ctx.datasets.has(id))) throw notFound(`samples ${id}`);
  const refusal = samplesInUse(id, await versionsNaming(ctx.db, (refs) => refs.samples === id));
  if (refusal) throw refusal;
  const outcome = await removeSampleFile(ctx, id, (tx) => writeAudit(tx, { at: ctx.now(), actor, action: 'sample-inputs.deleted', subject: `samples:${id}`, details: {} }));
  if (outcome.file === 'kept') {
    // A version naming them was registered meanwhile (or the file could not be removed).
    throw samplesInUse(id, outcome.neededBy) ?? new HubError('E_INTERNAL', `samples ${id} could not be removed; see the hub log`);
  }
  ctx.logger.info('sample inputs deleted', { id });
  return { id, deleted: true };
}
