/**
 * The drift reference of an uploaded model, built from a dataset the user uploaded before: the
 * model runs in onnxruntime-node on a sample of the dataset's rows, and the chosen columns and
 * the model's outputs on them are binned by buildReferenceProfile, exactly as a trained version's
 * are on its training rows. The upload then signs the reference into the release manifest.
 *
 * Runs in the request, like the upload's probe: at most MAX_REFERENCE_ROWS rows, in batches.
 */
import { readFile } from 'node:fs/promises';
import type { IoSpec, ReferenceProfile } from '@edgefleet/protocol';
import { datasetReferenceInput, MAX_REFERENCE_ROWS, modelInputFor, referenceColumns, sampleRows, type RowOutput } from '../../core/dataset-reference';
import { HubError, validation } from '../../core/errors';
import { buildReferenceProfile } from '../../core/reference-profile';
import { createRandom } from '../../core/training/random';
import type { DatasetRow } from '../../adapters/db/datasets';
import type { HubContext } from '../context';
import { requireDataset } from '../datasets/datasets';
import { openSession, type TypedOutput } from '../quantize/quantize-session';
import { readTable } from '../training/training-data';
import { datasetColumnsSchema } from '../training/training-types';

export interface ReferenceDatasetOptions {
  /** dataset id (sha256 of its CSV) */
  dataset: string;
  /** dataset columns feeding the model input, in input column order */
  columns?: string[];
  /** a column to leave out of the default choice (the label, say) */
  target?: string;
}

export interface ReferencePlan {
  dataset: DatasetRow;
  columns: string[];
}

export interface DatasetReference {
  profile: ReferenceProfile;
  /** what the upload reply and the lineage say about it */
  summary: { dataset: string; columns: string[]; rows: number; modelRows: number; outputs: Array<{ name: string; kind: 'class' | 'numeric' }>; ood: string | null };
}

/** Seed of the row sample: the same dataset gives the same reference every time. */
const SAMPLE_SEED = 20_251_125;
/** Rows per model run when the model's batch dimension is free. */
const BATCH_ROWS = 512;

/** The checks that need no model: dataset (404), columns and target (400). Before the upload is read. */
export async function planReferenceDataset(ctx: Pick<HubContext, 'db'>, options: ReferenceDatasetOptions): Promise<ReferencePlan> {
  const dataset = await requireDataset(ctx, options.dataset);
  const columns = referenceColumns(datasetColumnsSchema.parse(dataset.columns), options);
  return { dataset, columns };
}

export async function referenceFromDataset(ctx: Pick<HubContext, 'datasets'>, plan: ReferencePlan, modelPath: string, io: { inputs: IoSpec[] }): Promise<DatasetReference> {
  const { input, fixedBatch } = modelInputFor(io, plan.columns);
  const table = await readTable(ctx.datasets.pathOf(plan.dataset.id), datasetColumnsSchema.parse(plan.dataset.columns));
  const sample = sampleRows(table.rows, MAX_REFERENCE_ROWS, (n) => createRandom(SAMPLE_SEED).permutation(n));
  const values = plan.columns.map((name) => {
    const column = table.columns.find((c) => c.name === name);
    if (column?.kind !== 'numeric') throw validation(`columns: "${name}" is not a numeric column of the dataset`);
    return Float64Array.from(sample, (row) => column.values[row] as number);
  });
  // The model only sees complete rows (what it would make of NaN is its own business); the
  // feature profiles count every sampled row, missing values included, as devices do.
  const ran = sample.map((_, i) => i).filter((i) => values.every((column) => Number.isFinite(column[i])));
  if (ran.length === 0) throw validation(`referenceDataset: no sampled row of dataset ${plan.dataset.id.slice(0, 12)} has a value in every chosen column`);

  const outputs = await runRows(modelPath, input, fixedBatch, values, ran);
  const reference = datasetReferenceInput({ input: input.name, names: plan.columns, values }, outputs, ran);
  const profile = buildReferenceProfile(reference);
  return {
    profile,
    summary: {
      dataset: plan.dataset.id,
      columns: plan.columns,
      rows: sample.length,
      modelRows: ran.length,
      outputs: profile.outputs.map((o) => ({ name: o.name, kind: o.kind })),
      ood: profile.ood?.score ?? null,
    },
  };
}

/** Runs the model on the rows `ran` in batches; every output whose leading dim is the batch, gathered per row. */
async function runRows(modelPath: string, input: IoSpec, fixedBatch: number | null, columns: readonly Float64Array[], ran: readonly number[]): Promise<RowOutput[]> {
  const width = columns.length;
  const batch = fixedBatch ?? BATCH_ROWS;
  const session = await openSession(new Uint8Array(await readFile(modelPath)));
  try {
    const gathered = new Map<string, { width: number; values: number[] } | null>();
    for (let start = 0; start < ran.length; start += batch) {
      const real = Math.min(batch, ran.length - start);
      // A fixed batch size is filled up with copies of the last row; their outputs are dropped.
      const rows = fixedBatch ?? real;
      const data = input.type === 'float64' ? new Float64Array(rows * width) : new Float32Array(rows * width);
      for (let r = 0; r < rows; r++) {
        const row = ran[start + Math.min(r, real - 1)] as number;
        for (let j = 0; j < width; j++) data[r * width + j] = columns[j]?.[row] as number;
      }
      let outputs: Record<string, TypedOutput>;
      try {
        outputs = await session.run({ [input.name]: input.type === 'float64' ? { type: 'float64', data, dims: [rows, width] } : { type: 'float32', data, dims: [rows, width] } });
      } catch (error) {
        // The model sandbox's verdicts (E_MODEL_RESOURCES) stand as they are.
        if (error instanceof HubError) throw error;
        throw new HubError('E_INVALID_MODEL', `referenceDataset: the model failed on the dataset rows: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      for (const [name, output] of Object.entries(outputs)) {
        const seen = gathered.get(name);
        if (seen === null) continue;
        // Not per row (a recurrent state, a constant): not a prediction to profile.
        if (output.dims[0] !== rows || output.data.length % rows !== 0) {
          gathered.set(name, null);
          continue;
        }
        const perRow = output.data.length / rows;
        const into = seen ?? { width: perRow, values: [] };
        if (into.width !== perRow) {
          gathered.set(name, null);
          continue;
        }
        for (let i = 0; i < real * perRow; i++) into.values.push(Number(output.data[i]));
        gathered.set(name, into);
      }
    }
    // In the model's output order, so "the first output" means what it says.
    return session.outputNames.flatMap((name) => {
      const output = gathered.get(name);
      return output && output.width > 0 ? [{ name, width: output.width, values: Float64Array.from(output.values) }] : [];
    });
  } finally {
    await session.release();
  }
}
