/** Ground-truth labels (feedback_labels) and the statistics windows labels may name. */
import { and, eq, gte, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { ClassCell, ErrorSums } from '../../core/feedback';
import type { Db } from './db';
import { excluded } from './prepared';
import { devices, feedbackLabels, statsMessages } from './schema';

export type FeedbackLabelRow = typeof feedbackLabels.$inferSelect;

export const getFeedbackLabel = async (db: Db, key: string): Promise<FeedbackLabelRow | undefined> => db.select().from(feedbackLabels).where(eq(feedbackLabels.key, key)).get();

/** What sameLabel (core/feedback.ts) compares: a re-post equal in all of these changes nothing. */
const compared = [feedbackLabels.model, feedbackLabels.version, feedbackLabels.deviceId, feedbackLabels.predicted, feedbackLabels.label, feedbackLabels.count];
// The stored row, named as the table in the upsert's WHERE (excluded is the one posted). All NOT NULL, so <> is enough.
const differs = or(...compared.map((column) => sql`${sql.raw(`"feedback_labels"."${column.name}"`)} <> ${excluded(column)}`));

/**
 * Inserts the label, or replaces what is stored under its key when it differs in what sameLabel
 * compares (a corrected label, a new tally). One statement, so two requests posting the same key
 * at once cannot both count it as new. Returns false when the stored label was already the same:
 * nothing was written.
 */
export async function upsertFeedbackLabel(db: Db, row: FeedbackLabelRow): Promise<boolean> {
  const { key: _key, ...changes } = row;
  return (await db.insert(feedbackLabels).values(row).onConflictDoUpdate({ target: feedbackLabels.key, set: changes, setWhere: differs }).run()).changes > 0;
}

/** What a statistics window counted, by its msgId (undefined once pruned, or never received). */
export const getStatsMessage = async (db: Db, msgId: string): Promise<typeof statsMessages.$inferSelect | undefined> => db.select().from(statsMessages).where(eq(statsMessages.msgId, msgId)).get();

export interface FeedbackQuery {
  model: string;
  version: string;
  device?: string;
  ring?: string;
  /** predictions made at or after this (ISO, UTC) */
  from?: string;
  /** predictions made before this (ISO, UTC) */
  to?: string;
}

function conditions(db: Db, query: FeedbackQuery): SQL | undefined {
  const where = [eq(feedbackLabels.model, query.model), eq(feedbackLabels.version, query.version)];
  if (query.from !== undefined) where.push(gte(feedbackLabels.predictedAt, query.from));
  if (query.to !== undefined) where.push(lt(feedbackLabels.predictedAt, query.to));
  if (query.device !== undefined) where.push(eq(feedbackLabels.deviceId, query.device));
  if (query.ring !== undefined) where.push(inArray(feedbackLabels.deviceId, db.select({ id: devices.id }).from(devices).where(eq(devices.ring, query.ring))));
  return and(...where);
}

/** Label counts per device x (predicted, label): small for a classifier (devices x classes^2). */
export async function classCells(db: Db, query: FeedbackQuery): Promise<ClassCell[]> {
  const count = sql<number>`sum(${feedbackLabels.count})`.mapWith(Number);
  return await db
    .select({ deviceId: feedbackLabels.deviceId, predicted: feedbackLabels.predicted, label: feedbackLabels.label, count })
    .from(feedbackLabels)
    .where(conditions(db, query))
    .groupBy(feedbackLabels.deviceId, feedbackLabels.predicted, feedbackLabels.label);
}

/**
 * Error sums per device, summed in the database: a regressor's predictions are nearly all
 * distinct, so grouping by value as for classes would return every row. Values were checked
 * numeric when stored. `double precision` is a double on both engines (PostgreSQL's `real` is a
 * 4-byte float).
 */
export async function errorSums(db: Db, query: FeedbackQuery): Promise<ErrorSums[]> {
  const error = sql`(cast(${feedbackLabels.predicted} as double precision) - cast(${feedbackLabels.label} as double precision))`;
  return await db
    .select({
      deviceId: feedbackLabels.deviceId,
      count: sql<number>`sum(${feedbackLabels.count})`.mapWith(Number),
      absError: sql<number>`coalesce(sum(${feedbackLabels.count} * abs(${error})), 0)`.mapWith(Number),
      sqError: sql<number>`coalesce(sum(${feedbackLabels.count} * ${error} * ${error}), 0)`.mapWith(Number),
    })
    .from(feedbackLabels)
    .where(conditions(db, query))
    .groupBy(feedbackLabels.deviceId);
}
