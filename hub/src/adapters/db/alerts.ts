/**
 * Drift alerts: one open row per model version and scope, kept by the drift job. Async and
 * written once for SQLite and PostgreSQL (db.ts).
 */
import { and, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db';
import { alerts, statsBuckets } from './schema';

export type AlertRow = typeof alerts.$inferSelect;

export const getOpenAlert = async (db: Db, model: string, version: string, scope: string): Promise<AlertRow | undefined> =>
  db
    .select()
    .from(alerts)
    .where(and(eq(alerts.model, model), eq(alerts.version, version), eq(alerts.scope, scope), eq(alerts.status, 'open')))
    .get();

export const getAlert = async (db: Db, id: string): Promise<AlertRow | undefined> => db.select().from(alerts).where(eq(alerts.id, id)).get();

export async function insertAlert(db: Db, row: typeof alerts.$inferInsert): Promise<void> {
  await db.insert(alerts).values(row);
}

/** Resolves with how many rows changed (0: no alert with that id). */
export async function updateAlert(db: Db, id: string, patch: Partial<Omit<AlertRow, 'id' | 'model' | 'version' | 'scope' | 'openedAt'>>): Promise<number> {
  return (await db.update(alerts).set(patch).where(eq(alerts.id, id)).run()).changes;
}

/** Any fixed number: the first key of the advisory locks on alert scopes, apart from other advisory locks. */
const ALERT_LOCK_CLASS = 0x616c_7274;

/**
 * Serialises the changes to one model version's alert in `scope` until the transaction `tx`
 * ends: the read of its open alert and the insert or update that follows. "At most one open
 * alert" is not a constraint the schema can hold (it is a partial uniqueness), and a row lock
 * cannot guard a row that does not exist yet, so on PostgreSQL a transaction-scoped advisory
 * lock keyed by the scope does (two replicas' drift runs overlapping after a lease handover open
 * one alert, not two). SQLite needs nothing: its transactions hold the only write lock.
 */
export async function lockAlertScope(tx: Db, model: string, version: string, scope: string): Promise<void> {
  if (tx.engine !== 'postgres') return;
  // hashtext folds the key to the int4 the two-key form takes; a collision only makes two scopes take turns.
  await tx.execute(sql`SELECT pg_advisory_xact_lock(CAST(${ALERT_LOCK_CLASS} AS integer), hashtext(CAST(${`${model}@${version}#${scope}`} AS text)))`);
}

export interface AlertQuery {
  status?: 'open' | 'resolved';
  model?: string;
  version?: string;
  limit?: number;
}

export async function listAlerts(db: Db, query: AlertQuery = {}): Promise<AlertRow[]> {
  const conditions: SQL[] = [];
  if (query.status) conditions.push(eq(alerts.status, query.status));
  if (query.model) conditions.push(eq(alerts.model, query.model));
  if (query.version) conditions.push(eq(alerts.version, query.version));
  return db
    .select()
    .from(alerts)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(alerts.updatedAt), desc(alerts.id))
    .limit(query.limit ?? 100);
}

/** Model versions with statistics in [fromHour, toHour): the ones the drift job evaluates. */
export const versionsWithStats = async (db: Db, fromHour: string, toHour: string): Promise<{ model: string; version: string }[]> =>
  db
    .selectDistinct({ model: statsBuckets.model, version: statsBuckets.version })
    .from(statsBuckets)
    .where(and(gte(statsBuckets.hour, fromHour), lt(statsBuckets.hour, toHour)))
    .orderBy(statsBuckets.model, statsBuckets.version);
