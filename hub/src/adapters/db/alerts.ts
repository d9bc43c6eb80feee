/** Drift alerts: one open row per model version and scope, kept by the drift job. */
import { and, desc, eq, gte, lt, type SQL } from 'drizzle-orm';
import type { Db } from './open';
import { alerts, statsBuckets } from './schema';

export type AlertRow = typeof alerts.$inferSelect;

export const getOpenAlert = (db: Db, model: string, version: string, scope: string): AlertRow | undefined =>
  db
    .select()
    .from(alerts)
    .where(and(eq(alerts.model, model), eq(alerts.version, version), eq(alerts.scope, scope), eq(alerts.status, 'open')))
    .get();

export const getAlert = (db: Db, id: string): AlertRow | undefined => db.select().from(alerts).where(eq(alerts.id, id)).get();

export function insertAlert(db: Db, row: typeof alerts.$inferInsert): void {
  db.insert(alerts).values(row).run();
}

export function updateAlert(db: Db, id: string, patch: Partial<Omit<AlertRow, 'id' | 'model' | 'version' | 'scope' | 'openedAt'>>): void {
  db.update(alerts).set(patch).where(eq(alerts.id, id)).run();
}

export interface AlertQuery {
  status?: 'open' | 'resolved';
  model?: string;
  version?: string;
  limit?: number;
}

export function listAlerts(db: Db, query: AlertQuery = {}): AlertRow[] {
  const conditions: SQL[] = [];
  if (query.status) conditions.push(eq(alerts.status, query.status));
  if (query.model) conditions.push(eq(alerts.model, query.model));
  if (query.version) conditions.push(eq(alerts.version, query.version));
  return db
    .select()
    .from(alerts)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(alerts.updatedAt), desc(alerts.id))
    .limit(query.limit ?? 100)
    .all();
}

/** Model versions with statistics in [fromHour, toHour): the ones the drift job evaluates. */
export const versionsWithStats = (db: Db, fromHour: string, toHour: string): { model: string; version: string }[] =>
  db
    .selectDistinct({ model: statsBuckets.model, version: statsBuckets.version })
    .from(statsBuckets)
    .where(and(gte(statsBuckets.hour, fromHour), lt(statsBuckets.hour, toHour)))
    .orderBy(statsBuckets.model, statsBuckets.version)
    .all();
