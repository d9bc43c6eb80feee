/**
 * Continuous training decisions (issue 5 "Continuous training hook"), pure: should a drifting
 * version be retrained now, and on which dataset? A retrain needs drift that persisted over
 * `minAlarmingEvaluations` evaluations and labelled data newer than what the version was trained
 * on: a dataset uploaded under the same name after the original, that still has the target and
 * every feature column. Each (version, dataset) pair is retrained at most once.
 */

export interface RetrainPolicy {
  /** evaluations in a row the drift alert must have alarmed in (default 2) */
  minAlarmingEvaluations: number;
}

export const DEFAULT_RETRAIN_POLICY: RetrainPolicy = { minAlarmingEvaluations: 2 };

export interface DatasetCandidate {
  id: string;
  name: string;
  createdAt: string;
  columns: string[];
}

export interface OriginalRun {
  datasetId: string;
  datasetName: string;
  datasetCreatedAt: string;
  target: string;
  features: string[];
}

export type RetrainChoice = { retrain: true; dataset: DatasetCandidate } | { retrain: false; reason: string };

export function chooseRetrainDataset(
  alert: { severity: string; alarmingEvaluations: number },
  original: OriginalRun,
  candidates: readonly DatasetCandidate[],
  alreadyRetrainedOn: ReadonlySet<string>,
  policy: RetrainPolicy = DEFAULT_RETRAIN_POLICY,
): RetrainChoice {
  if (alert.severity !== 'drift') return { retrain: false, reason: `the alert is a ${alert.severity}, not drift` };
  if (alert.alarmingEvaluations < policy.minAlarmingEvaluations) {
    return { retrain: false, reason: `drift has alarmed in ${alert.alarmingEvaluations} evaluation(s); retraining waits for ${policy.minAlarmingEvaluations}` };
  }
  const needed = [original.target, ...original.features];
  const newer = candidates
    .filter((d) => d.name === original.datasetName && d.id !== original.datasetId && d.createdAt > original.datasetCreatedAt)
    .sort((a, b) => (a.createdAt > b.createdAt ? -1 : a.createdAt < b.createdAt ? 1 : 0));
  if (newer.length === 0) return { retrain: false, reason: `no labelled data newer than dataset "${original.datasetName}" (${original.datasetId.slice(0, 12)}): upload it under the same name` };
  const fitting = newer.filter((d) => needed.every((column) => d.columns.includes(column)));
  if (fitting.length === 0) {
    const first = newer[0] as DatasetCandidate;
    return { retrain: false, reason: `newer dataset ${first.id.slice(0, 12)} lacks column(s) ${needed.filter((c) => !first.columns.includes(c)).join(', ')}` };
  }
  // Only the newest data counts: retraining on an older set after a newer one would go backwards.
  const newest = fitting[0] as DatasetCandidate;
  if (alreadyRetrainedOn.has(newest.id)) return { retrain: false, reason: `already retrained on the newest labelled data (${newest.id.slice(0, 12)})` };
  return { retrain: true, dataset: newest };
}
