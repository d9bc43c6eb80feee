/**
 * Real inputs for judging an imported version (one without a training run), from what its upload
 * brought:
 *  - sample inputs (`lineage.params.samples`, a stored .npy/.npz): one run per sample, the inputs
 *    the file does not cover taken from the probe; with a `labels` array, task accuracy too;
 *  - else the reference dataset (`lineage.params.referenceDataset`, tabular models): its complete
 *    rows of the reference columns, one run per row.
 * Samples alternate: even ones calibrate static int8, odd ones judge it, so the gate never
 * scores the rows the ranges were taken from (with one sample both use it, and say so).
 */
import { tensorFromJson, type TypedTensorData } from '@edgefleet/protocol';
import type { HubManifest } from '../../core/release-manifest';
import { modelInputFor } from '../../core/dataset-reference';
import { sampleFeeds } from '../../core/tensor-files';
import type { HubContext } from '../context';
import type { Feeds } from './quantize-session';
import { planReferenceDataset } from '../models/reference-from-dataset';
import { readTable } from '../training/training-data';
import { datasetColumnsSchema } from '../training/training-types';
import { loadSampleSet } from '../models/upload-sample-inputs';

export interface RealSamples {
  source: 'samples' | 'dataset';
  /** one feed set per sample the gate judges */
  runs: Feeds[];
  /** class index per judged run (samples with a labels array) */
  labels: Int32Array | undefined;
  calibration: Feeds[];
  notes: string[];
}

/** Bounds the work of one quantization: each side runs every judged sample once. */
const MAX_JUDGED = 512;
const MAX_CALIBRATION = 256;

function split<T>(items: readonly T[]): { calibration: T[]; judged: T[]; shared: boolean } {
  if (items.length < 2) return { calibration: [...items], judged: [...items], shared: true };
  const calibration = items.filter((_, i) => i % 2 === 0).slice(0, MAX_CALIBRATION);
  const judged = items.filter((_, i) => i % 2 === 1).slice(0, MAX_JUDGED);
  return { calibration, judged, shared: false };
}

const stringParam = (params: Record<string, unknown> | undefined, key: string): string | undefined => (typeof params?.[key] === 'string' ? params[key] : undefined);

async function fromSampleFile(ctx: Pick<HubContext, 'datasets'>, manifest: HubManifest, id: string): Promise<RealSamples> {
  const set = await loadSampleSet(ctx, id, manifest.io.inputs);
  const covered = new Set(set.inputs.map((input) => input.name));
  const fixed: Record<string, TypedTensorData> = {};
  for (const [name, tensor] of Object.entries(manifest.probe.inputs)) if (!covered.has(name)) fixed[name] = tensorFromJson(tensor);
  const indices = Array.from({ length: Math.min(set.count, 2 * MAX_JUDGED) }, (_, i) => i);
  const parts = split(indices);
  const feeds = (i: number): Feeds => ({ ...fixed, ...sampleFeeds(set, i) });
  const notes = [
    parts.shared
      ? `one sample input (${id.slice(0, 12)}): calibrated and judged on the same sample`
      : `sample inputs ${id.slice(0, 12)}: ${parts.judged.length} judged (odd samples), ${parts.calibration.length} for calibration (even samples) of ${set.count}`,
  ];
  const labels = set.labels;
  if (labels) notes.push('task accuracy and macro-F1 from the samples\' labels');
  return { source: 'samples', runs: parts.judged.map(feeds), labels: labels ? Int32Array.from(parts.judged, (i) => labels[i] ?? 0) : undefined, calibration: parts.calibration.map(feeds), notes };
}

async function fromDataset(ctx: Pick<HubContext, 'db' | 'datasets'>, manifest: HubManifest, dataset: string, columns: string[] | undefined): Promise<RealSamples> {
  const plan = await planReferenceDataset(ctx, { dataset, ...(columns ? { columns } : {}) });
  const { input } = modelInputFor(manifest.io, plan.columns);
  const table = await readTable(ctx.datasets.pathOf(plan.dataset.id), datasetColumnsSchema.parse(plan.dataset.columns));
  const values = plan.columns.map((name) => table.columns.find((column) => column.name === name)?.values ?? []);
  const complete: number[] = [];
  for (let row = 0; row < table.rows && complete.length < 2 * MAX_JUDGED; row++) if (values.every((column) => Number.isFinite(column[row]))) complete.push(row);
  const feeds = (row: number): Feeds => {
    const data = values.map((column) => Number(column[row]));
    return { [input.name]: input.type === 'float64' ? { type: 'float64', data: Float64Array.from(data), dims: [1, data.length] } : { type: 'float32', data: Float32Array.from(data), dims: [1, data.length] } };
  };
  const parts = split(complete);
  return {
    source: 'dataset',
    runs: parts.judged.map(feeds),
    labels: undefined,
    calibration: parts.calibration.map(feeds),
    notes: [`reference dataset ${plan.dataset.id.slice(0, 12)} (${plan.columns.length} columns): ${parts.judged.length} rows judged, ${parts.calibration.length} for calibration${parts.shared ? ' (the same row)' : ''}`],
  };
}

/** The real inputs an import brought, or undefined when it brought none. */
export async function realSamplesFor(ctx: Pick<HubContext, 'db' | 'datasets'>, manifest: HubManifest): Promise<RealSamples | undefined> {
  const params = manifest.lineage.params;
  const samples = stringParam(params, 'samples');
  if (samples !== undefined) return fromSampleFile(ctx, manifest, samples);
  const dataset = stringParam(params, 'referenceDataset');
  if (dataset === undefined) return undefined;
  const columns = params?.referenceColumns;
  return fromDataset(ctx, manifest, dataset, Array.isArray(columns) && columns.every((c): c is string => typeof c === 'string') ? columns : undefined);
}
