/**
 * The vocabulary shared by the training runner (main thread) and the training worker: the
 * resolved spec of a run as stored in `training_runs.request`, the unit of work a worker is
 * given (a search trial, or the run), the progress messages it sends, and the result it returns.
 * Plain data only: it crosses a worker boundary.
 */
import { z } from 'zod';
import type { IoSpec, Probe, ReferenceProfile } from '@edgefleet/protocol';
import { modelNameSchema, sha256Schema, versionLabelSchema } from '@edgefleet/protocol';
import type { SearchMetric } from '../../core/training';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const isFinished = (status: string): boolean => status === 'succeeded' || status === 'failed' || status === 'cancelled';

/** Stages in the order a run goes through them (`registering` happens in the main thread; only derived runs are `comparing`). */
export const TRAINING_STAGES = ['queued', 'loading', 'preparing', 'baseline', 'training', 'evaluating', 'exporting', 'parity', 'comparing', 'profiling', 'registering', 'done'] as const;
export type TrainingStage = (typeof TRAINING_STAGES)[number];

/** Metrics each task reports (flat numbers); the first is the default metric a run is judged on. */
export const TASK_METRICS = {
  classification: ['macroF1', 'accuracy', 'logLoss', 'rocAuc', 'ece'],
  regression: ['rmse', 'mae', 'r2'],
  anomaly: ['rocAuc', 'averagePrecision', 'f1', 'precision', 'recall'],
} as const satisfies Record<string, readonly SearchMetric[]>;

export const DEFAULT_TRAINER = { classification: 'mlp', regression: 'mlp', anomaly: 'autoencoder' } as const;

const paramValue = z.union([z.number(), z.string(), z.boolean(), z.array(z.number())]);
export const searchDimensionSchema = z.union([
  z.array(paramValue).min(1).max(100),
  z.strictObject({ min: z.number(), max: z.number(), log: z.boolean().optional(), int: z.boolean().optional() }),
]);

export const splitSchema = z
  .strictObject({ train: z.number().gt(0).lt(1), validation: z.number().gt(0).lt(1), test: z.number().gt(0).lt(1) })
  .refine((s) => Math.abs(s.train + s.validation + s.test - 1) < 1e-9, { message: 'train + validation + test must be 1' });

export const searchMetricSchema = z.enum(['accuracy', 'macroF1', 'rocAuc', 'f1', 'precision', 'recall', 'r2', 'rmse', 'mae', 'logLoss', 'ece', 'averagePrecision']);
export const taskSchema = z.enum(['classification', 'regression', 'anomaly']);
export const trainerNameSchema = z.enum(['baseline', 'linear', 'mlp', 'autoencoder']);
export const balanceSchema = z.enum(['none', 'class-weights', 'oversample']);

/** The limits a derived version must stay within, as quantization's gate takes them (core/quantize/quality-gate.ts). */
export const gateLimitsSchema = z.strictObject({ maxAccuracyLossPp: z.number().min(0).max(100), maxMetricLossPp: z.number().min(0).max(100), minAgreement: z.number().min(0).max(1) });

/**
 * A run that derives a smaller version from a registered one (issue 17): `prune` fine-tunes a
 * pruned copy of a hub-trained parent on the parent's own split; `distill` trains a student on a
 * teacher's soft targets (any registered version, run in the model sandbox). Null for an
 * ordinary run (and runs stored before derivation existed).
 */
export const deriveSpecSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('prune'),
    /** `model@version` of the parent */
    parent: z.string(),
    parentSha256: sha256Schema,
    method: z.enum(['structured', 'magnitude']),
    /** structured: fraction of every hidden layer's units removed; magnitude: fraction of every layer's weights zeroed */
    sparsity: z.number(),
    fineTuneEpochs: z.number().int(),
    gate: gateLimitsSchema,
  }),
  z.strictObject({
    kind: z.literal('distill'),
    /** `model@version` of the teacher */
    teacher: z.string(),
    teacherSha256: sha256Schema,
    /** the teacher output read as class scores (or the regression prediction); null = chosen from the graph */
    teacherOutput: z.string().nullable(),
    /** the teacher's class names in output order; null = from its metadata, else "0".."K-1" */
    teacherClasses: z.array(z.string()).nullable(),
    temperature: z.number(),
    /** weight of the hard labels in the loss (0 = soft targets only) */
    hardWeight: z.number(),
    gate: gateLimitsSchema,
  }),
]);
export type DeriveSpec = z.infer<typeof deriveSpecSchema>;

/** A run's request with every default resolved: what it ran with, and what re-evaluating it needs. */
export const trainingSpecSchema = z.strictObject({
  dataset: sha256Schema,
  target: z.string(),
  task: taskSchema,
  trainer: trainerNameSchema,
  params: z.record(z.string(), z.unknown()),
  search: z.strictObject({ kind: z.enum(['grid', 'random']), space: z.record(z.string(), searchDimensionSchema), trials: z.number().int(), metric: searchMetricSchema }).nullable(),
  features: z.array(z.string()),
  split: z.strictObject({ train: z.number(), validation: z.number(), test: z.number() }),
  balance: balanceSchema,
  seed: z.number().int(),
  model: modelNameSchema,
  version: versionLabelSchema.nullable(),
  register: z.boolean(),
  /** the test metric the run is judged on against its baseline */
  metric: searchMetricSchema,
  /**
   * Columns left out of the default features because the dataset's exploration flagged them as
   * id-like (core/datasets/id-like.ts). Empty when the request named its features. Runs stored
   * before this field existed read as [].
   */
  excludedFeatures: z.array(z.strictObject({ column: z.string(), reason: z.string(), detail: z.string() })).default([]),
  derive: deriveSpecSchema.nullable().default(null),
});
export type TrainingSpec = z.infer<typeof trainingSpecSchema>;

/** One column of a stored dataset, as `datasets.columns` holds it. */
export const datasetColumnsSchema = z.array(z.strictObject({ name: z.string(), kind: z.enum(['numeric', 'categorical']) }));
export type DatasetColumns = z.infer<typeof datasetColumnsSchema>;

export interface EpochEntry {
  /** the search trial this epoch belongs to; absent without a search */
  trial?: number;
  epoch: number;
  loss: number;
  valLoss?: number;
  valMetric?: number;
}

export interface TrialEntry {
  index: number;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
  /** the replica whose worker ran the trial */
  replica?: string;
}

/** Where each stage starts on a run's 0..1 progress bar; training (or the search) fills the gap up to `evaluating`. */
export const STAGE_START: Partial<Record<TrainingStage, number>> = { loading: 0, preparing: 0.05, baseline: 0.1, training: 0.12, evaluating: 0.85, exporting: 0.88, parity: 0.91, comparing: 0.93, profiling: 0.95 };

/** The run's progress when `fraction` (0..1) of its training, or of its search's trials, is done. */
export function trainingProgressAt(fraction: number): number {
  const from = STAGE_START.training ?? 0;
  return from + ((STAGE_START.evaluating ?? 1) - from) * Math.min(1, Math.max(0, fraction));
}

export interface TrainingProgress {
  stage: TrainingStage;
  /** 0..1 over the whole run */
  progress: number;
  epoch?: EpochEntry;
  trial?: TrialEntry;
}

/**
 * What a worker does for a run: one trial of its search (train on the train split with the
 * trial's params, score on validation), or the run itself: fit `params` (the run's own, or a
 * finished search's best trial's over them, refitted: same seed and data give the same network),
 * then evaluate, export, check parity and profile.
 */
export type TrainingUnit =
  | { kind: 'trial'; index: number; params: Record<string, unknown> }
  | { kind: 'run'; params: Record<string, unknown>; best?: { index: number; metric: SearchMetric; value: number } };

export interface TrainingInput {
  runId: string;
  csvPath: string;
  columns: DatasetColumns;
  spec: TrainingSpec;
  codeVersion: string;
  unit: TrainingUnit;
  /** a derived run: the parent's or teacher's file, and the model sandbox's limits (the worker opens a teacher there, never in its own thread) */
  derive?: { sourcePath: string; sandbox: { memoryMb: number; timeoutMs: number }; teacherIo?: { inputs: IoSpec[]; outputs: IoSpec[] } };
}

/** What the worker hands back: a trial's validation metrics, or the run's outcome. */
export type TrainingResult = { kind: 'trial'; metrics: Record<string, number> } | { kind: 'run'; outcome: TrainingOutcome };

export interface TrainingOutcome {
  onnx: Uint8Array;
  io: { inputs: IoSpec[]; outputs: IoSpec[] };
  opset: number;
  probe: Probe;
  reference: ReferenceProfile;
  /** the trainer's params as used (defaults filled, the search's choice applied) */
  params: Record<string, unknown>;
  metrics: Record<string, number>;
  baselineMetrics: Record<string, number>;
  classes: string[] | null;
  rows: { train: number; validation: number; test: number };
  parity: { rows: number; maxAbsDiff: number };
  /** a derived run: the parent or teacher beside the result on the same test rows, and the gate's verdict */
  derived?: DerivedComparison;
}

export interface DerivedSide {
  size: number;
  metrics: Record<string, number>;
  latencyMs: { batch1: number; batch64?: number };
}

export interface DerivedComparison {
  source: DerivedSide & { version: string };
  result: DerivedSide & { sizeRatio: number; latencyRatio: { batch1: number; batch64?: number }; agreement: number; compressedSize: number; sourceCompressedSize: number };
  /** what the derivation did: removed units, sparsity, teacher output, ... */
  details: Record<string, unknown>;
}
