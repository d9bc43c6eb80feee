/** Models and their released versions with the signed manifests agents will receive. */
import { and, count, desc, eq, max } from 'drizzle-orm';
import type { Db } from './open';
import { models, modelVersions } from './schema';

export type ModelVersionRow = typeof modelVersions.$inferSelect;

export function maxReleaseCounter(db: Db, model: string): number {
  return db.select({ value: max(modelVersions.releaseCounter) }).from(modelVersions).where(eq(modelVersions.model, model)).get()?.value ?? 0;
}

export function versionExists(db: Db, model: string, version: string): boolean {
  return getVersion(db, model, version) !== undefined;
}

export const getVersion = (db: Db, model: string, version: string): ModelVersionRow | undefined =>
  db
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.model, model), eq(modelVersions.version, version)))
    .get();

export function insertVersion(db: Db, row: typeof modelVersions.$inferInsert, now: string): void {
  db.insert(models).values({ name: row.model, createdAt: now }).onConflictDoNothing().run();
  db.insert(modelVersions).values(row).run();
}

export interface ModelSummary {
  name: string;
  createdAt: string;
  versions: Array<{ version: string; releaseCounter: number; sha256: string; size: number; createdAt: string }>;
}

export function listModels(db: Db): ModelSummary[] {
  const rows = db.select().from(models).orderBy(models.name).all();
  const versions = db.select().from(modelVersions).orderBy(modelVersions.model, desc(modelVersions.releaseCounter)).all();
  return rows.map((row) => ({
    name: row.name,
    createdAt: row.createdAt,
    versions: versions
      .filter((v) => v.model === row.name)
      .map((v) => ({ version: v.version, releaseCounter: v.releaseCounter, sha256: v.sha256, size: v.size, createdAt: v.createdAt })),
  }));
}

/** Every version's signed manifest (for indexing them by hash). */
export const listVersionManifests = (db: Db): Pick<ModelVersionRow, 'model' | 'version' | 'releaseCounter' | 'manifest'>[] =>
  db.select({ model: modelVersions.model, version: modelVersions.version, releaseCounter: modelVersions.releaseCounter, manifest: modelVersions.manifest }).from(modelVersions).all();

export const countVersions = (db: Db): number => db.select({ value: count() }).from(modelVersions).get()?.value ?? 0;
