/** Dataset rows: one per uploaded CSV file, keyed by the sha256 of its bytes (immutable). */
import { desc, eq } from 'drizzle-orm';
import type { Db } from './open';
import { datasets } from './schema';

export type DatasetRow = typeof datasets.$inferSelect;

/** Inserts unless a dataset with the same id exists; returns whether this call created it. */
export function insertDataset(db: Db, row: typeof datasets.$inferInsert): boolean {
  return db.insert(datasets).values(row).onConflictDoNothing().run().changes === 1;
}

export const getDataset = (db: Db, id: string): DatasetRow | undefined => db.select().from(datasets).where(eq(datasets.id, id)).get();

/** Newest first, without the (large) summaries. */
export function listDatasets(db: Db): Array<Omit<DatasetRow, 'summary'>> {
  return db
    .select({ id: datasets.id, name: datasets.name, rows: datasets.rows, sizeBytes: datasets.sizeBytes, columns: datasets.columns, createdAt: datasets.createdAt })
    .from(datasets)
    .orderBy(desc(datasets.createdAt))
    .all();
}
