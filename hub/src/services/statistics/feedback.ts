/**
 * Ground-truth labels arriving after the prediction (issue 5 "Feedback"): filed by prediction id
 * (which says device, version, time and prediction; nothing is fetched from the device) or as a
 * tally per statistics window, and summed into accuracy per version and device.
 *
 * A batch is judged item by item: a bad item is reported with its index and never blocks the
 * others. Every item has a key (the prediction id, or window + predicted + label), so posting the
 * same item again is a duplicate and changes nothing; posting a key with another label or count
 * replaces it (a corrected label, a recounted tally).
 */
import { canonicalPredictionId, decodePredictionId, ProtocolError, type PredictedValue, type ReferenceProfile } from '@edgefleet/protocol';
import { notFound, validation } from '../../core/errors';
import { classesOf, classificationSummary, labelProblem, numericValue, predictionKey, regressionSummary, taskOf, valueText, windowKey, type AccuracySummary, type FeedbackTask } from '../../core/feedback';
import { classCells, errorSums, getStatsMessage, upsertFeedbackLabel, type FeedbackLabelRow, type FeedbackQuery } from '../../adapters/db/feedback';
import { writeAudit } from '../../adapters/db/audit';
import { getVersion } from '../../adapters/db/models';
import type { Db } from '../../adapters/db/db';
import type { HubContext } from '../context';
import { referenceOf } from './stats-view';

export type LabelItem = { predictionId: string; label: PredictedValue } | { window: string; predicted: PredictedValue; label: PredictedValue; count?: number };

/** An item the route could not even parse: kept in the batch so its index is reported. */
export interface InvalidItem {
  invalid: { code: string; message: string };
}

export interface Rejection {
  index: number;
  code: string;
  message: string;
}

export interface FeedbackResult {
  /** items stored or changed */
  accepted: number;
  /** items identical to what was already stored */
  duplicates: number;
  rejected: Rejection[];
}

type Outcome = { row: FeedbackLabelRow } | { code: string; message: string };

interface VersionInfo {
  reference: ReferenceProfile | null;
  task: FeedbackTask;
}

export async function postFeedback(deps: Pick<HubContext, 'db' | 'now' | 'logger'>, items: ReadonlyArray<LabelItem | InvalidItem>, actor: string): Promise<FeedbackResult> {
  const receivedAt = deps.now().toISOString();
  const result: FeedbackResult = { accepted: 0, duplicates: 0, rejected: [] };
  // One transaction: a batch of 10,000 labels is one commit, and a crash stores all or none.
  await deps.db.transaction(async (tx) => {
    // One manifest decode per version in the batch, not per item.
    const versions = new Map<string, VersionInfo | null>();
    const versionInfo = async (model: string, version: string): Promise<VersionInfo | null> => {
      const key = `${model}@${version}`;
      if (!versions.has(key)) {
        const row = await getVersion(tx, model, version);
        const reference = row ? referenceOf(row.manifest) : null;
        versions.set(key, row ? { reference, task: taskOf(reference) } : null);
      }
      return versions.get(key) ?? null;
    };
    for (const [index, item] of items.entries()) {
      const outcome = 'invalid' in item ? item.invalid : await resolve(tx, item, versionInfo, receivedAt);
      if (!('row' in outcome)) {
        result.rejected.push({ index, code: outcome.code, message: outcome.message });
        continue;
      }
      // One statement decides: a label equal to the stored one (sameLabel) is a duplicate and writes nothing.
      if (await upsertFeedbackLabel(tx, outcome.row)) result.accepted++;
      else result.duplicates++;
    }
    await writeAudit(tx, { at: deps.now(), actor, action: 'feedback.posted', subject: 'feedback', details: { items: items.length, accepted: result.accepted, duplicates: result.duplicates, rejected: result.rejected.length } });
  });
  if (result.accepted > 0) deps.logger.info('feedback labels stored', { actor, accepted: result.accepted, duplicates: result.duplicates, rejected: result.rejected.length });
  return result;
}

async function resolve(tx: Db, item: LabelItem, versionInfo: (model: string, version: string) => Promise<VersionInfo | null>, receivedAt: string): Promise<Outcome> {
  if ('predictionId' in item) {
    let id: string;
    let ref: ReturnType<typeof decodePredictionId>;
    try {
      id = canonicalPredictionId(item.predictionId);
      ref = decodePredictionId(id);
    } catch (error) {
      return { code: 'E_BAD_PREDICTION_ID', message: `predictionId: ${error instanceof ProtocolError ? error.message : 'not a prediction id'}` };
    }
    const info = await versionInfo(ref.model, ref.version);
    if (!info) return { code: 'E_UNKNOWN_VERSION', message: `predictionId: no model version ${ref.model}@${ref.version}` };
    if (ref.predicted === undefined) return { code: 'E_NO_PREDICTION', message: `predictionId: ${ref.model}@${ref.version} had no reference profile when it predicted, so the id carries no prediction to compare with (label its window instead)` };
    const at = new Date(ref.at);
    if (Number.isNaN(at.getTime())) return { code: 'E_BAD_PREDICTION_ID', message: 'predictionId: its time is out of range' };
    return rowOf(info, { key: predictionKey(id), model: ref.model, version: ref.version, deviceId: ref.device, predictedAt: at.toISOString(), predicted: ref.predicted, label: item.label, count: 1, receivedAt });
  }
  const window = await getStatsMessage(tx, item.window);
  if (!window) return { code: 'E_UNKNOWN_WINDOW', message: `window: no statistics window ${item.window} (never received, or older than the retention horizon)` };
  if (window.model === null || window.version === null) return { code: 'E_UNKNOWN_WINDOW', message: `window: ${item.window} was received before windows recorded their model version` };
  const info = await versionInfo(window.model, window.version);
  if (!info) return { code: 'E_UNKNOWN_VERSION', message: `window: its model version ${window.model}@${window.version} no longer exists` };
  return rowOf(info, {
    key: windowKey(item.window, item.predicted, item.label),
    model: window.model,
    version: window.version,
    deviceId: window.deviceId,
    predictedAt: window.windowStart,
    predicted: item.predicted,
    label: item.label,
    count: item.count ?? 1,
    receivedAt,
  });
}

type Draft = Omit<FeedbackLabelRow, 'predicted' | 'label'> & { predicted: PredictedValue; label: PredictedValue };

function rowOf(info: VersionInfo, draft: Draft): Outcome {
  const problem = labelProblem(info.reference, draft.predicted, draft.label);
  if (problem) return problem;
  // A regressor's values are stored as plain numbers, which the database sums (`" 2.50"` -> `2.5`).
  const text = (value: PredictedValue): string => (info.task === 'regression' ? String(numericValue(value)) : valueText(value));
  return { row: { ...draft, predicted: text(draft.predicted), label: text(draft.label) } };
}

export interface AccuracyView extends AccuracySummary {
  model: string;
  version: string;
  /** the range asked for (predictions made in [from, to)), null when open */
  from: string | null;
  to: string | null;
  /** the version's classes, when it is a classifier */
  classes: string[] | null;
}

export async function accuracyOf(deps: Pick<HubContext, 'db'>, query: FeedbackQuery): Promise<AccuracyView> {
  const row = await getVersion(deps.db, query.model, query.version);
  if (!row) throw notFound(`model version ${query.model}@${query.version}`);
  // Stored times are UTC `toISOString()` text, so the bounds must be too to compare as text.
  const from = query.from === undefined ? undefined : new Date(query.from).toISOString();
  const to = query.to === undefined ? undefined : new Date(query.to).toISOString();
  if (from !== undefined && to !== undefined && from >= to) throw validation('from must be before to');
  const reference = referenceOf(row.manifest);
  const filter: FeedbackQuery = { ...query, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
  const summary = taskOf(reference) === 'regression' ? regressionSummary(await errorSums(deps.db, filter)) : classificationSummary(await classCells(deps.db, filter));
  return { model: query.model, version: query.version, from: from ?? null, to: to ?? null, classes: classesOf(reference), ...summary };
}
