/** Ground-truth labels (feedback_labels) and the statistics windows labels may name. */
import { and, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { ClassCell, ErrorSums } from '../../core/feedback';
import type { Db } from './open';
import { devices, feedbackLabels, statsMessages } from './schema';

export type FeedbackLabelRow = typeof feedbackLabels.$inferSelect;

export const getFeedbackLabel = (db: Db, key: string): FeedbackLabelRow | undefined => db.select().from(feedbackLabels).where(eq(feedbackLabels.key, key)).get();

/** Inserts the label, or replaces what is stored under its key (a corrected label, a new tally). */
export function upsertFeedbackLabel(db: Db, row: FeedbackLabelRow): void {
  const { key: _key, ...changes } = row;
  db.insert(feedbackLabels).values(row).onConflictDoUpdate({ target: feedbackLabels.key, set: changes }).run();
}

/** What a statistics window counted, by its msgId (undefined once pruned, or never received). */
export const getStatsMessage = (db: Db, msgId: string): typeof statsMessages.$inferSelect | undefined => db.select().from(statsMessages).where(eq(statsMessages.msgId, msgId)).get();

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
export function classCells(db: Db, query: FeedbackQuery): ClassCell[] {
  const count = sql<number>`sum(${feedbackLabels.count})`.mapWith(Number);
  return db
    .select({ deviceId: feedbackLabels.deviceId, predicted: feedbackLabels.predicted, label: feedbackLabels.label, count })
    .from(feedbackLabels)
    .where(conditions(db, query))
    .groupBy(feedbackLabels.deviceId, feedbackLabels.predicted, feedbackLabels.label)
    .all();
}

/**
 * Error sums per device, summed in SQLite: a regressor's predictions are nearly all distinct, so
 * grouping by value as for classes would return every row. Values were checked numeric when stored.
 */
export function errorSums(db: Db, query: FeedbackQuery): ErrorSums[] {
  const error = sql`(cast(${feedbackLabels.predicted} as real) - cast(${feedbackLabels.label} as real))`;
  return db
    .select({
      deviceId: feedbackLabels.deviceId,
      count: sql<number>`sum(${feedbackLabels.count})`.mapWith(Number),
      absError: sql<number>`coalesce(sum(${feedbackLabels.count} * abs(${error})), 0)`.mapWith(Number),
      sqError: sql<number>`coalesce(sum(${feedbackLabels.count} * ${error} * ${error}), 0)`.mapWith(Number),
    })
    .from(feedbackLabels)
    .where(conditions(db, query))
    .groupBy(feedbackLabels.deviceId)
    .all();
}
