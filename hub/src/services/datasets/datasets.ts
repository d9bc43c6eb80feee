/**
 * Datasets: CSV files uploaded once, stored content-addressed (the id is the sha256 of the
 * bytes, so the same file uploaded again is the same dataset), parsed and explored in the
 * request when small and in a worker thread when large, so a big file never stalls the hub.
 * Every upload is audited. A deleted dataset (services/lifecycle/datasets.ts) is gone from every
 * read; the same bytes uploaded again bring it back as a new upload.
 */
import { DatasetError, type ColumnKind, type TableSummary } from '../../core/datasets';
import { HubError } from '../../core/errors';
import { requirePresent } from '../../core/lifecycle/refusals';
import { writeAudit } from '../../adapters/db/audit';
import { getDataset, insertDataset, listDatasets, type DatasetListRow, type DatasetRow } from '../../adapters/db/datasets';
import type { HubContext } from '../context';
import { guardDatasetFile } from '../lifecycle/content-guard';
import { inspectDataset, type InspectInput, type InspectResult } from './datasets-inspect';
import { inspectInWorker, refuseWhenWorkersFull } from './dataset-workers';
import { datasetColumnsSchema, type DatasetColumns } from '../training/training-types';

/** Largest CSV accepted; bigger uploads get 413 (before the body is read when Content-Length says so). */
export const MAX_DATASET_BYTES = 64 * 1024 * 1024;

/** Files up to this size parse in the request (milliseconds); bigger ones in a worker thread, off the event loop (dataset-workers.ts). */
export const INLINE_PARSE_BYTES = 1024 * 1024;

export interface DatasetView {
  id: string;
  name: string;
  rows: number;
  sizeBytes: number;
  columns: DatasetColumns;
  createdAt: string;
  /** set while archived (POST /api/v1/datasets/{id}/archive): kept, but no new training runs on it */
  archivedAt: string | null;
}

export interface UploadDatasetInput {
  name: string;
  kinds: Record<string, ColumnKind> | undefined;
  body: ReadableStream<Uint8Array> | null;
  contentLength: number | undefined;
}

const viewOf = (row: DatasetListRow): DatasetView => ({
  id: row.id,
  name: row.name,
  rows: row.rows,
  sizeBytes: row.sizeBytes,
  columns: datasetColumnsSchema.parse(row.columns),
  createdAt: row.createdAt,
  archivedAt: row.archivedAt,
});

async function inspect(input: InspectInput, size: number): Promise<Extract<InspectResult, { ok: true }>> {
  const result = size <= INLINE_PARSE_BYTES ? await inspectDataset(input) : await inspectInWorker(input);
  if (!result.ok) throw new DatasetError(result.error.code, result.error.message, result.error.details);
  return result;
}

/** `created` is false when the same bytes were already stored (the existing dataset is returned). */
export async function uploadDataset(ctx: Pick<HubContext, 'db' | 'datasets' | 'now' | 'logger'>, input: UploadDatasetInput, actor: string): Promise<{ created: boolean; dataset: DatasetView }> {
  if (input.contentLength !== undefined && input.contentLength > MAX_DATASET_BYTES) {
    throw new HubError('E_TOO_LARGE', `dataset file of ${input.contentLength} bytes exceeds the limit of ${MAX_DATASET_BYTES} bytes`);
  }
  if (input.contentLength !== undefined && input.contentLength > INLINE_PARSE_BYTES) refuseWhenWorkersFull();
  const staged = await ctx.datasets.receive(input.body, MAX_DATASET_BYTES);
  try {
    const audit = async (created: boolean, revived = false, db: HubContext['db'] = ctx.db): Promise<void> =>
      writeAudit(db, { at: ctx.now(), actor, action: 'dataset.uploaded', subject: `dataset:${staged.sha256}`, details: { name: input.name, size: staged.size, created, ...(revived ? { revived } : {}) } });
    const existing = await getDataset(ctx.db, staged.sha256);
    if (existing && existing.deletedAt === null) {
      // The stored file is hashed: bytes gone bad since are replaced by these (adapters/artifacts.ts).
      await staged.commit();
      await audit(false);
      return { created: false, dataset: viewOf(existing) };
    }
    const parsed = await inspect({ path: staged.tmpPath, ...(input.kinds === undefined ? {} : { kinds: input.kinds }) }, staged.size);
    await staged.commit();
    const row = { id: staged.sha256, name: input.name, rows: parsed.rows, sizeBytes: staged.size, columns: parsed.columns, summary: parsed.summary, createdAt: ctx.now().toISOString() };
    // The file may be a deleted dataset's still being removed: checked under its lock (lifecycle/content-guard.ts).
    const created = await ctx.db.transaction(async (tx) => {
      await guardDatasetFile(ctx, tx, row.id);
      const inserted = await insertDataset(tx, row);
      // In the row's transaction: a crash between the two would leave a dataset its audit trail never saw uploaded.
      await audit(inserted, inserted && existing !== undefined, tx);
      return inserted;
    });
    ctx.logger.info('dataset stored', { id: row.id, name: row.name, rows: row.rows, columns: row.columns.length, created });
    return { created, dataset: viewOf(created ? { ...row, archivedAt: null } : ((await getDataset(ctx.db, row.id)) ?? { ...row, archivedAt: null })) };
  } finally {
    await staged.discard();
  }
}

/** Archived datasets only with `archived: true`; deleted ones never. */
export const listDatasetViews = async (ctx: Pick<HubContext, 'db'>, options: { archived?: boolean } = {}): Promise<DatasetView[]> => (await listDatasets(ctx.db, options)).map(viewOf);

/** The dataset, archived or not; 404 when unknown or deleted. */
export async function requireDataset(ctx: Pick<HubContext, 'db'>, id: string): Promise<DatasetRow> {
  return requirePresent(await getDataset(ctx.db, id), `dataset ${id}`);
}

/** The dataset with its exploration summary: the one stored at upload, or a fresh one against `target`. */
export async function datasetDetail(ctx: Pick<HubContext, 'db' | 'datasets'>, id: string, target?: { name: string; kind?: ColumnKind }): Promise<DatasetView & { summary: TableSummary }> {
  const row = await requireDataset(ctx, id);
  const view = viewOf(row);
  if (target === undefined) return { ...view, summary: row.summary as TableSummary };
  const kinds = Object.fromEntries(view.columns.map((c) => [c.name, c.kind]));
  const explored = await inspect({ path: ctx.datasets.pathOf(id), kinds, target: target.name, ...(target.kind === undefined ? {} : { targetKind: target.kind }) }, row.sizeBytes);
  return { ...view, summary: explored.summary };
}
