/**
 * The tensor-file reader: .npy and .npz as numpy writes them come back with their dtype, shape
 * and values; damaged, hostile or mismatched files are refused with E_VALIDATION naming the
 * field (the file, the array, and `.descr` / `.shape` where that is what is wrong).
 */
import { describe, expect, it } from 'vitest';
import type { IoSpec } from '@edgefleet/protocol';
import { HubError } from '../../../src/core/errors';
import { readTensorFile, sampleFeeds, sampleSetOf } from '../../../src/core/tensor-files';
import { npyBytes, npzBytes } from './numpy-files';

const values = (file: Uint8Array, name = ''): number[] => {
  const array = readTensorFile(file, 'samples').arrays.get(name);
  return array ? Array.from({ length: array.count }, (_, i) => array.at(i)) : [];
};
const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).code).toBe('E_VALIDATION');
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
};

const cnnInputs: IoSpec[] = [{ name: 'x', type: 'float32', shape: ['N', 3, 'H', 'W'] }];

describe('readTensorFile', () => {
  it('reads .npy of each dtype, and stored and deflated .npz entries by name', () => {
    const x = Float32Array.from({ length: 24 }, (_, i) => i / 4);
    expect(readTensorFile(npyBytes(x, [2, 3, 4]), 'samples')).toMatchObject({ format: 'npy', arrays: new Map([['', expect.objectContaining({ descr: '<f4', shape: [2, 3, 4], count: 24 })]]) });
    expect(values(npyBytes(x, [2, 3, 4]))).toEqual(Array.from(x));
    expect(values(npyBytes(Float64Array.of(-1.5, 2), [2]))).toEqual([-1.5, 2]);
    expect(values(npyBytes(BigInt64Array.of(-3n, 7n), [2]))).toEqual([-3, 7]);
    expect(values(npyBytes(Uint8Array.of(0, 255), [2]))).toEqual([0, 255]);
    for (const compress of [false, true]) {
      const file = npzBytes({ x: npyBytes(x, [2, 3, 4]), labels: npyBytes(Int32Array.of(1, 0), [2]) }, { compress });
      expect(values(file, 'x')).toEqual(Array.from(x));
      expect(values(file, 'labels')).toEqual([1, 0]);
    }
  });

  it.each([
    { name: 'not a tensor file', file: new TextEncoder().encode('a,b\n1,2\n'), message: /^samples: not a tensor file/ },
    { name: 'object dtype (a pickle)', file: npyBytes(Float32Array.of(1), [1], { descr: '|O' }), message: /^samples\.descr: dtype "\|O" is not accepted/ },
    { name: 'float16', file: npyBytes(Float32Array.of(1), [1], { descr: '<f2' }), message: /^samples\.descr/ },
    { name: 'Fortran order', file: npyBytes(Float32Array.of(1, 2), [2], { fortran: true }), message: /^samples\.fortran_order/ },
    { name: 'shape larger than the data', file: npyBytes(Float32Array.of(1, 2), [3]), message: /^samples: shape \[3\] of <f4 needs 12 data bytes, the file has 8/ },
    { name: 'truncated', file: npyBytes(Float32Array.of(1, 2), [2]).subarray(0, 20), message: /^samples: .npy header/ },
  ])('.npy refused: $name', ({ file, message }) => {
    expect(refusal(() => readTensorFile(file, 'samples'))).toMatch(message);
  });

  it('refuses an element count over the limit before reading data, and bounds a zip bomb by its declared size', () => {
    const limits = { maxElements: 10, maxEntries: 4, maxUncompressedBytes: 1_000 };
    expect(refusal(() => readTensorFile(npyBytes(new Float32Array(11), [11]), 'samples', limits))).toMatch(/^samples\.shape: \[11\] holds 11 elements \(limit 10\)/);
    const big = npyBytes(new Float32Array(4_000), [4_000]);
    // a 16 KB entry that claims to be 100 bytes: inflation stops at 100, never allocates the rest
    const bomb = npzBytes({ x: big }, { compress: true, declaredSize: () => 100 });
    expect(refusal(() => readTensorFile(bomb, 'samples', { maxElements: 1e6, maxEntries: 4, maxUncompressedBytes: 1e6 }))).toMatch(/^samples\.x: the deflated data is damaged or larger than its declared 100 bytes/);
    expect(refusal(() => readTensorFile(npzBytes({ x: big }), 'samples', limits))).toMatch(/^samples\.x: \d+ uncompressed bytes exceed/);
  });

  it('refuses a damaged archive (CRC) and entries that are not arrays', () => {
    const file = npzBytes({ x: npyBytes(Float32Array.of(1, 2, 3, 4), [4]) });
    const damaged = Uint8Array.from(file);
    const lastDataByte = file.length - 22 - 46 - 5 - 1; // end record, central entry, "x.npy"
    damaged[lastDataByte] = (damaged[lastDataByte] ?? 0) ^ 0xff;
    expect(refusal(() => readTensorFile(damaged, 'samples'))).toMatch(/^samples\.x: CRC-32 mismatch/);
    const notNpy = npzBytes({ x: npyBytes(Float32Array.of(1), [1]) });
    const renamed = new TextDecoder('latin1').decode(notNpy).replaceAll('x.npy', 'x.txt');
    expect(refusal(() => readTensorFile(Uint8Array.from(renamed, (c) => c.charCodeAt(0)), 'samples'))).toMatch(/^samples\.x\.txt: not a \.npy entry/);
  });
});

describe('sampleSetOf', () => {
  const images = Float32Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => i);

  it('matches arrays to inputs: [N, ...dims without batch] feeds [1, ...], labels ride along', () => {
    const { arrays } = readTensorFile(npzBytes({ x: npyBytes(images, [2, 3, 4, 5]), labels: npyBytes(Int32Array.of(2, 0), [2]) }), 'samples');
    const set = sampleSetOf(arrays, cnnInputs, 'samples');
    expect(set).toMatchObject({ count: 2, labels: Int32Array.of(2, 0) });
    expect(set.inputs.map((input) => input.dims)).toEqual([[1, 3, 4, 5]]);
    const second = sampleFeeds(set, 1).x;
    expect(second?.dims).toEqual([1, 3, 4, 5]);
    expect(Array.from(second?.data as Float32Array)).toEqual(Array.from(images.subarray(60)));
    // a lone .npy feeds the only float input
    expect(sampleSetOf(readTensorFile(npyBytes(images, [2, 3, 4, 5]), 'samples').arrays, cnnInputs, 'samples').count).toBe(2);
  });

  it.each([
    { name: 'an array for no input', file: () => npzBytes({ y: npyBytes(images, [2, 3, 4, 5]) }), message: /^samples\.y: the model has no input named "y"/ },
    { name: 'a fixed dim that differs', file: () => npzBytes({ x: npyBytes(images, [2, 4, 3, 5]) }), message: /^samples\.x\.shape: one sample is \[4,3,5\], which does not fit input x \[N,3,H,W\]/ },
    { name: 'labels of another count', file: () => npzBytes({ x: npyBytes(images, [2, 3, 4, 5]), labels: npyBytes(Int32Array.of(1, 2, 3), [3]) }), message: /^samples\.labels: labels must be integer class indices of shape \[2\]/ },
    { name: 'float labels', file: () => npzBytes({ x: npyBytes(images, [2, 3, 4, 5]), labels: npyBytes(Float32Array.of(1, 0), [2]) }), message: /^samples\.labels/ },
  ])('refused: $name', ({ file, message }) => {
    expect(refusal(() => sampleSetOf(readTensorFile(file(), 'samples').arrays, cnnInputs, 'samples'))).toMatch(message);
  });

  it('a .npy for a model with two float inputs must be an .npz', () => {
    const two: IoSpec[] = [...cnnInputs, { name: 'state', type: 'float32', shape: [2, 8] }];
    expect(refusal(() => sampleSetOf(readTensorFile(npyBytes(images, [2, 3, 4, 5]), 'samples').arrays, two, 'samples'))).toMatch(/^samples: a \.npy holds one unnamed array, but the model has 2 float inputs/);
  });
});
