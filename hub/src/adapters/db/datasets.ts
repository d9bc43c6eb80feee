/** Dataset rows: one per uploaded CSV file, keyed by the sha256 of its bytes (immutable). Written once for SQLite and PostgreSQL (db.ts). */
import { desc, eq } from 'drizzle-orm';
import type { Db } from './db';
import { datasets } from './schema';

export type DatasetRow = typeof datasets.$inferSelect;

/**
 * Inserts unless a dataset with the same id exists; returns whether this call created it. One
 * statement, so of two replicas storing the same file at once exactly one creates it.
 */
export async function insertDataset(db: Db, row: typeof datasets.$inferInsert): Promise<boolean> {
  return (await db.insert(datasets).values(row).onConflictDoNothing().run()).changes === 1;
}

export const getDataset = async (db: Db, id: string): Promise<DatasetRow | undefined> => db.select().from(datasets).where(eq(datasets.id, id)).get();

/** Newest first (ties by id, so both engines give one order), without the (large) summaries. */
export async function listDatasets(db: Db): Promise<Array<Omit<DatasetRow, 'summary'>>> {
  return db
    .select({ id: datasets.id, name: datasets.name, rows: datasets.rows, sizeBytes: datasets.sizeBytes, columns: datasets.columns, createdAt: datasets.createdAt })
    .from(datasets)
    .orderBy(desc(datasets.createdAt), datasets.id);
}
