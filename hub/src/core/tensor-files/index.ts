/**
 * Tensor files an operator brings with a model: one numpy .npy array or an .npz archive of
 * named arrays, told apart by their magic bytes. The limits bound the memory one file can take.
 */
import { validation } from '../errors';
import { parseNpy, type NpyArray } from './npy';
import { parseNpz, type NpzLimits } from './npz';

export type { NpyArray } from './npy';
export { LABELS_ARRAY, sampleFeeds, sampleSetOf, type SampleInput, type SampleSet } from './sample-set';

/** 64 MiB of arrays, 16M elements per array (a float32 array fills that budget) and 64 arrays. */
export const TENSOR_FILE_LIMITS: NpzLimits = { maxElements: 16 * 1024 * 1024, maxEntries: 64, maxUncompressedBytes: 64 * 1024 * 1024 };

export type TensorFileFormat = 'npy' | 'npz';

export function tensorFileFormat(bytes: Uint8Array): TensorFileFormat | undefined {
  if (bytes[0] === 0x93 && bytes[1] === 0x4e && bytes[2] === 0x55) return 'npy';
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'npz';
  return undefined;
}

/** The arrays of a .npy (one, named '') or .npz file; `field` names the file in errors. */
export function readTensorFile(bytes: Uint8Array, field: string, limits: NpzLimits = TENSOR_FILE_LIMITS): { format: TensorFileFormat; arrays: Map<string, NpyArray> } {
  const format = tensorFileFormat(bytes);
  if (format === 'npy') {
    if (bytes.length > limits.maxUncompressedBytes) throw validation(`${field}: ${bytes.length} bytes exceed the limit of ${limits.maxUncompressedBytes}`);
    return { format, arrays: new Map([['', parseNpy(bytes, field, limits)]]) };
  }
  if (format === 'npz') return { format, arrays: parseNpz(bytes, field, limits) };
  throw validation(`${field}: not a tensor file (expected a numpy .npy or .npz)`);
}
