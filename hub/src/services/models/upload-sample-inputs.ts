/**
 * Sample inputs an operator brings for a model (a numpy .npy or .npz, core/tensor-files): stored
 * content-addressed beside the datasets (never served to devices, never inline in a manifest),
 * named by their sha256. An upload that names them (`?samples=<id>`) takes its probe from the
 * first sample and records the id in its lineage; quantization then calibrates and is judged on
 * them (services/quantize/quantize-samples.ts) instead of synthetic inputs.
 */
import { readFile } from 'node:fs/promises';
import type { IoSpec } from '@edgefleet/protocol';
import { HubError, notFound } from '../../core/errors';
import { TENSOR_FILE_LIMITS, readTensorFile, sampleSetOf, type SampleSet, type TensorFileFormat } from '../../core/tensor-files';
import type { HubContext } from '../context';

export const MAX_SAMPLE_FILE_BYTES = 64 * 1024 * 1024;

export interface SampleInputsSummary {
  id: string;
  format: TensorFileFormat;
  size: number;
  arrays: Array<{ name: string; dtype: string; shape: number[] }>;
}

export async function storeSampleInputs(ctx: Pick<HubContext, 'datasets'>, body: ReadableStream<Uint8Array> | null, contentLength: number | undefined): Promise<SampleInputsSummary> {
  if (contentLength !== undefined && contentLength > MAX_SAMPLE_FILE_BYTES) throw new HubError('E_TOO_LARGE', `samples: a tensor file of ${contentLength} bytes exceeds the limit of ${MAX_SAMPLE_FILE_BYTES} bytes`);
  const staged = await ctx.datasets.receive(body, MAX_SAMPLE_FILE_BYTES);
  try {
    // Parsed (bounded) before it is kept: only files every later step can read are stored.
    const { format, arrays } = readTensorFile(new Uint8Array(await readFile(staged.tmpPath)), 'samples', TENSOR_FILE_LIMITS);
    await staged.commit();
    return { id: staged.sha256, format, size: staged.size, arrays: [...arrays].map(([name, array]) => ({ name, dtype: array.descr, shape: array.shape })) };
  } finally {
    await staged.discard();
  }
}

/** 404 when no tensor file has that id; checked before a model upload reads its body. */
export async function requireSampleInputs(ctx: Pick<HubContext, 'datasets'>, id: string): Promise<void> {
  if (!(await ctx.datasets.has(id))) throw notFound(`samples ${id}`);
}

/** The stored file `id` matched to a model's inputs (errors name `samples.<array>`). */
export async function loadSampleSet(ctx: Pick<HubContext, 'datasets'>, id: string, inputs: readonly IoSpec[]): Promise<SampleSet> {
  await requireSampleInputs(ctx, id);
  const { arrays } = readTensorFile(new Uint8Array(await readFile(ctx.datasets.pathOf(id))), 'samples', TENSOR_FILE_LIMITS);
  return sampleSetOf(arrays, inputs, 'samples');
}
