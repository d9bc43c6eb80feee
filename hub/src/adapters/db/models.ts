/**
 * Models and their released versions with the signed manifests agents will receive. Written once
 * for SQLite and PostgreSQL (db.ts).
 *
 * A version's release counter is the model's highest plus one, so registering is a
 * read-then-write: `lockModel` serialises registrations of one model across replicas, and the
 * unique index on (model, release_counter) refuses a duplicate whatever happens.
 */
import { and, count, desc, eq, max } from 'drizzle-orm';
import type { Db } from './db';
import { lockRows, nextId } from './dialect';
import { models, modelVersions } from './schema';

export type ModelVersionRow = typeof modelVersions.$inferSelect;

export async function maxReleaseCounter(db: Db, model: string): Promise<number> {
  return (await db.select({ value: max(modelVersions.releaseCounter) }).from(modelVersions).where(eq(modelVersions.model, model)).get())?.value ?? 0;
}

export async function versionExists(db: Db, model: string, version: string): Promise<boolean> {
  const row = await db
    .select({ id: modelVersions.id })
    .from(modelVersions)
    .where(and(eq(modelVersions.model, model), eq(modelVersions.version, version)))
    .get();
  return row !== undefined;
}

export const getVersion = async (db: Db, model: string, version: string): Promise<ModelVersionRow | undefined> =>
  db
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.model, model), eq(modelVersions.version, version)))
    .get();

/**
 * Inside a transaction, before reading the model's highest release counter: makes sure the
 * model's row exists and locks it until the transaction ends, so another replica registering a
 * version of the same model waits and then reads the counter this one wrote. (A row that did not
 * exist cannot be locked; inserting it first gives both replicas one to wait on: the second
 * insert waits for the first to commit, then does nothing.)
 */
export async function lockModel(tx: Db, model: string, now: string): Promise<void> {
  await tx.insert(models).values({ name: model, createdAt: now }).onConflictDoNothing();
  await lockRows(tx, models, eq(models.name, model));
}

export async function insertVersion(db: Db, row: typeof modelVersions.$inferInsert, now: string): Promise<void> {
  await db.insert(models).values({ name: row.model, createdAt: now }).onConflictDoNothing();
  await db.insert(modelVersions).values({ ...row, id: nextId(db.engine) });
}

export interface ModelSummary {
  name: string;
  createdAt: string;
  versions: Array<{ version: string; releaseCounter: number; sha256: string; size: number; createdAt: string }>;
}

export async function listModels(db: Db): Promise<ModelSummary[]> {
  const rows = await db.select().from(models).orderBy(models.name);
  // Not the manifests, io and probes: the list shows none of them, and they are most of a row.
  const versions = await db
    .select({ model: modelVersions.model, version: modelVersions.version, releaseCounter: modelVersions.releaseCounter, sha256: modelVersions.sha256, size: modelVersions.size, createdAt: modelVersions.createdAt })
    .from(modelVersions)
    .orderBy(modelVersions.model, desc(modelVersions.releaseCounter));
  return rows.map((row) => ({
    name: row.name,
    createdAt: row.createdAt,
    versions: versions
      .filter((v) => v.model === row.name)
      .map((v) => ({ version: v.version, releaseCounter: v.releaseCounter, sha256: v.sha256, size: v.size, createdAt: v.createdAt })),
  }));
}

export type VersionManifestRow = Pick<ModelVersionRow, 'model' | 'version' | 'releaseCounter' | 'manifest'>;

/** Every version's signed manifest (for indexing them by hash). */
export const listVersionManifests = async (db: Db): Promise<VersionManifestRow[]> =>
  db.select({ model: modelVersions.model, version: modelVersions.version, releaseCounter: modelVersions.releaseCounter, manifest: modelVersions.manifest }).from(modelVersions);

export const countVersions = async (db: Db): Promise<number> => (await db.select({ value: count() }).from(modelVersions).get())?.value ?? 0;
