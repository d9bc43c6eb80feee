/**
 * Models and their released versions with the signed manifests agents will receive. Written once
 * for SQLite and PostgreSQL (db.ts).
 *
 * A version's release counter is the model's highest plus one, so registering is a
 * read-then-write: `lockModel` serialises registrations of one model across replicas, and the
 * unique index on (model, release_counter) refuses a duplicate whatever happens.
 *
 * A deleted version stays as a tombstone row (`deleted_at`): `getVersion`, `versionExists` and the
 * counter still see it (its label and counter are never reused, audit, lineage parents and
 * statistics still name it); the lists and the manifests served to devices do not.
 */
import { and, count, desc, eq, isNull, max, sql } from 'drizzle-orm';
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

/** Inside a transaction: locks an existing model's row (creating none): what a rollout's creation also waits on. */
export async function lockExistingModel(tx: Db, model: string): Promise<void> {
  await lockRows(tx, models, eq(models.name, model));
}

export async function insertVersion(db: Db, row: typeof modelVersions.$inferInsert, now: string): Promise<void> {
  await db.insert(models).values({ name: row.model, createdAt: now }).onConflictDoNothing();
  await db.insert(modelVersions).values({ ...row, id: nextId(db.engine) });
}

export interface ModelSummary {
  name: string;
  createdAt: string;
  versions: Array<{ version: string; releaseCounter: number; sha256: string; size: number; createdAt: string; archivedAt: string | null }>;
}

/** Deleted versions never; archived ones only with `archived: true`. */
export async function listModels(db: Db, options: { archived?: boolean } = {}): Promise<ModelSummary[]> {
  const rows = await db.select().from(models).orderBy(models.name);
  // Not the manifests, io and probes: the list shows none of them, and they are most of a row.
  const shown = options.archived === true ? isNull(modelVersions.deletedAt) : and(isNull(modelVersions.deletedAt), isNull(modelVersions.archivedAt));
  const versions = await db
    .select({ model: modelVersions.model, version: modelVersions.version, releaseCounter: modelVersions.releaseCounter, sha256: modelVersions.sha256, size: modelVersions.size, createdAt: modelVersions.createdAt, archivedAt: modelVersions.archivedAt })
    .from(modelVersions)
    .where(shown)
    .orderBy(modelVersions.model, desc(modelVersions.releaseCounter));
  return rows.map((row) => ({
    name: row.name,
    createdAt: row.createdAt,
    versions: versions
      .filter((v) => v.model === row.name)
      .map((v) => ({ version: v.version, releaseCounter: v.releaseCounter, sha256: v.sha256, size: v.size, createdAt: v.createdAt, archivedAt: v.archivedAt })),
  }));
}

export type VersionManifestRow = Pick<ModelVersionRow, 'model' | 'version' | 'releaseCounter' | 'manifest' | 'deletedAt'>;

/** Every version's signed manifest, tombstones included (for indexing them by hash; `deletedAt` tells them apart). */
export const listVersionManifests = async (db: Db): Promise<VersionManifestRow[]> =>
  db.select({ model: modelVersions.model, version: modelVersions.version, releaseCounter: modelVersions.releaseCounter, manifest: modelVersions.manifest, deletedAt: modelVersions.deletedAt }).from(modelVersions);

/** Every row, tombstones included: rows are never removed, so the same count means the same rows. */
export const countVersions = async (db: Db): Promise<number> => (await db.select({ value: count() }).from(modelVersions).get())?.value ?? 0;

/** The signed manifests of the versions not deleted (what lineage and probe-blob references are read from). */
export const liveVersionManifests = async (db: Db): Promise<Array<Pick<ModelVersionRow, 'model' | 'version' | 'manifest'>>> =>
  db.select({ model: modelVersions.model, version: modelVersions.version, manifest: modelVersions.manifest }).from(modelVersions).where(isNull(modelVersions.deletedAt)).orderBy(modelVersions.model, modelVersions.releaseCounter);

/**
 * Inside a transaction: locks one version's row until it ends. Archiving and deleting take it;
 * assigning takes it shared (`deletedVersionsShared`), so a deletion and an assignment of the same
 * version on two replicas take turns and each sees what the other committed.
 */
export async function lockVersion(tx: Db, model: string, version: string): Promise<void> {
  await lockRows(tx, modelVersions, and(eq(modelVersions.model, model), eq(modelVersions.version, version)) ?? sql`false`);
}

/**
 * Inside a transaction: the versions among `pairs` that are deleted (as `model@version`), their
 * rows locked shared until the transaction ends (PostgreSQL FOR SHARE: assignments of one version
 * do not wait for each other, only for a deletion of it, which locks the row for update). SQLite's
 * transaction holds the only write lock already.
 */
export async function deletedVersionsShared(tx: Db, pairs: ReadonlyArray<{ model: string; version: string }>): Promise<string[]> {
  const deleted: string[] = [];
  for (const { model, version } of pairs) {
    const where = sql`${modelVersions.model} = ${model} AND ${modelVersions.version} = ${version}`;
    const rows = await tx.rows<{ deleted_at: string | null }>(
      tx.engine === 'postgres' ? sql`SELECT ${modelVersions.deletedAt} AS deleted_at FROM ${modelVersions} WHERE ${where} FOR SHARE` : sql`SELECT ${modelVersions.deletedAt} AS deleted_at FROM ${modelVersions} WHERE ${where}`,
    );
    if (rows.some((row) => row.deleted_at !== null)) deleted.push(`${model}@${version}`);
  }
  return deleted;
}

/** Sets or clears `archived_at` of a version not deleted; true when the row changed. */
export async function setVersionArchived(db: Db, model: string, version: string, archivedAt: string | null): Promise<boolean> {
  const where = and(eq(modelVersions.model, model), eq(modelVersions.version, version), isNull(modelVersions.deletedAt));
  return (await db.update(modelVersions).set({ archivedAt }).where(where).run()).changes === 1;
}

/** Turns a version into its tombstone; true when this call did (false: already deleted, or no such version). */
export async function markVersionDeleted(db: Db, model: string, version: string, deletedAt: string): Promise<boolean> {
  const where = and(eq(modelVersions.model, model), eq(modelVersions.version, version), isNull(modelVersions.deletedAt));
  return (await db.update(modelVersions).set({ deletedAt }).where(where).run()).changes === 1;
}

/** Versions not deleted whose file has these bytes, but `except` (the same file may back several versions). */
export async function liveVersionsWithSha(db: Db, sha256: string, except?: { model: string; version: string }): Promise<Array<{ model: string; version: string }>> {
  const others = except ? sql`NOT (${modelVersions.model} = ${except.model} AND ${modelVersions.version} = ${except.version})` : sql`true`;
  return db
    .select({ model: modelVersions.model, version: modelVersions.version })
    .from(modelVersions)
    .where(and(eq(modelVersions.sha256, sha256), isNull(modelVersions.deletedAt), others))
    .orderBy(modelVersions.model, modelVersions.releaseCounter);
}
