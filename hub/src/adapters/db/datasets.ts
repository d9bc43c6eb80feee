/**
 * Dataset rows: one per uploaded CSV file, keyed by the sha256 of its bytes (immutable). Written once for SQLite and PostgreSQL (db.ts).
 *
 * A deleted dataset stays as a tombstone row (`deleted_at`): training runs keep naming it (their
 * foreign key, and their views show its name). The same bytes uploaded again bring the row back
 * to life with what that upload parsed.
 */
import { and, desc, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Db } from './db';
import { lockRows } from './dialect';
import { excluded } from './prepared';
import { datasets } from './schema';

export type DatasetRow = typeof datasets.$inferSelect;
export type DatasetListRow = Omit<DatasetRow, 'summary' | 'deletedAt'>;

/**
 * Inserts, or revives a tombstone of the same id, unless a live dataset with the same id exists;
 * returns whether this call created (or revived) it. One statement, so of two replicas storing
 * the same file at once exactly one creates it.
 */
export async function insertDataset(db: Db, row: Omit<typeof datasets.$inferInsert, 'archivedAt' | 'deletedAt'>): Promise<boolean> {
  const d = datasets;
  const revived = { name: excluded(d.name), rows: excluded(d.rows), sizeBytes: excluded(d.sizeBytes), columns: excluded(d.columns), summary: excluded(d.summary), createdAt: excluded(d.createdAt), archivedAt: null, deletedAt: null };
  return (await db.insert(d).values(row).onConflictDoUpdate({ target: d.id, set: revived, setWhere: isNotNull(d.deletedAt) }).run()).changes === 1;
}

/** The row, tombstones included (`deletedAt` set): what a training run names stays readable. */
export const getDataset = async (db: Db, id: string): Promise<DatasetRow | undefined> => db.select().from(datasets).where(eq(datasets.id, id)).get();

/**
 * Newest first (ties by id, so both engines give one order), without the (large) summaries;
 * never deleted ones, archived ones only with `archived: true`.
 */
export async function listDatasets(db: Db, options: { archived?: boolean } = {}): Promise<DatasetListRow[]> {
  const shown = options.archived === true ? isNull(datasets.deletedAt) : and(isNull(datasets.deletedAt), isNull(datasets.archivedAt));
  return db
    .select({ id: datasets.id, name: datasets.name, rows: datasets.rows, sizeBytes: datasets.sizeBytes, columns: datasets.columns, createdAt: datasets.createdAt, archivedAt: datasets.archivedAt })
    .from(datasets)
    .where(shown)
    .orderBy(desc(datasets.createdAt), datasets.id);
}

/** Inside a transaction: locks the dataset's row until it ends (deleting it, or a version registering with it in its lineage). */
export async function lockDataset(tx: Db, id: string): Promise<void> {
  await lockRows(tx, datasets, eq(datasets.id, id));
}

/** Sets or clears `archived_at` of a dataset not deleted; true when the row changed. */
export async function setDatasetArchived(db: Db, id: string, archivedAt: string | null): Promise<boolean> {
  return (await db.update(datasets).set({ archivedAt }).where(and(eq(datasets.id, id), isNull(datasets.deletedAt))).run()).changes === 1;
}

/**
 * Turns a dataset into its tombstone; true when this call did. The summary goes (it is most of
 * the row, and a revival parses the file again); name, size and columns stay for the runs that name it.
 */
export async function markDatasetDeleted(db: Db, id: string, deletedAt: string): Promise<boolean> {
  return (await db.update(datasets).set({ deletedAt, archivedAt: null, summary: {} }).where(and(eq(datasets.id, id), isNull(datasets.deletedAt))).run()).changes === 1;
}
