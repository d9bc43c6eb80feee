/**
 * Fuzzing the hub's tensor-file readers (.npy and .npz sample inputs) and the probe inputs built
 * from an upload's `probe` hints: arbitrary bytes, valid files bent byte by byte, .npy headers
 * with hostile dicts, and hostile hints. Each gives arrays consistent with their shape or a
 * HubError E_VALIDATION naming the file (`samples`, `samples.<array>`) or the probe input; never
 * another exception, never an allocation past the limits.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { IoSpec } from '@edgefleet/protocol';
import { HubError } from '../../src/core/errors';
import { readTensorFile, sampleSetOf } from '../../src/core/tensor-files';
import { buildProbeInputs, elementCount, MAX_PROBE_INPUT_ELEMENTS } from '../../src/core/probe-inputs';
import { npyBytes, npzBytes } from '../core/tensor-files/numpy-files';
import { fuzz, hostileBytes, mutatedBytes } from '../../../test/support/fuzz';

const LIMITS = { maxElements: 4_096, maxEntries: 8, maxUncompressedBytes: 64 * 1024 };
const INPUTS: IoSpec[] = [
  { name: 'x', type: 'float32', shape: ['N', 3] },
  { name: 'ids', type: 'int64', shape: ['N', 2] },
];

/** The reader's answer: arrays that hold what their shape says, or E_VALIDATION naming the file. */
function expectReadOrRefused(bytes: Uint8Array): void {
  let arrays;
  try {
    arrays = readTensorFile(bytes, 'samples', LIMITS).arrays;
  } catch (error) {
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).code).toBe('E_VALIDATION');
    expect((error as HubError).message).toMatch(/^samples[.:\s[]/);
    return;
  }
  for (const array of arrays.values()) {
    expect(array.count).toBe(elementCount(array.shape));
    expect(array.count).toBeLessThanOrEqual(LIMITS.maxElements);
    for (const i of [0, array.count - 1]) if (i >= 0) expect(typeof array.at(i)).toBe('number');
  }
  // Whatever was read, matching it to a model's inputs is a typed answer too.
  try {
    sampleSetOf(arrays, INPUTS, 'samples');
  } catch (error) {
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).message).toMatch(/^samples/);
  }
}

/** A .npy whose header dict is `dict` (padded as numpy pads it) and whose data is `data`. */
function npyWithHeader(dict: string, data: Uint8Array, major = 1): Uint8Array {
  const lengthBytes = major === 1 ? 2 : 4;
  const header = new TextEncoder().encode(`${dict}\n`);
  const out = new Uint8Array(8 + lengthBytes + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, Math.min(header.length, 0xffff), true);
  else view.setUint32(8, header.length, true);
  out.set(header, 8 + lengthBytes);
  out.set(data, 8 + lengthBytes + header.length);
  return out;
}

const validNpy = npyBytes(Float32Array.from({ length: 12 }, (_, i) => i / 2), [4, 3]);
const validNpz = (compress: boolean) => npzBytes({ x: validNpy, ids: npyBytes(BigInt64Array.from({ length: 8 }, (_, i) => BigInt(i)), [4, 2]), labels: npyBytes(Int32Array.of(0, 1, 1, 0), [4]) }, { compress });

describe('fuzzing tensor files (.npy, .npz)', () => {
  it('arbitrary bytes, and bytes behind each magic', async () => {
    const magic = fc.constantFrom(Uint8Array.of(), Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0), Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 3, 0), Uint8Array.of(0x50, 0x4b, 0x03, 0x04));
    await fuzz(
      fc.property(magic, hostileBytes(), (head, tail) => {
        const bytes = new Uint8Array(head.length + tail.length);
        bytes.set(head);
        bytes.set(tail, head.length);
        expectReadOrRefused(bytes);
      }),
    );
  });

  it('a valid .npy, .npz and compressed .npz bent byte by byte', async () => {
    await fuzz(
      fc.property(
        fc.oneof(mutatedBytes(validNpy), mutatedBytes(validNpz(false)), mutatedBytes(validNpz(true))),
        ({ bytes }) => {
          expectReadOrRefused(bytes);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('.npy headers with hostile dicts', async () => {
    const descr = fc.oneof(fc.constantFrom("'<f4'", "'<i8'", "'|b1'", "'?'", "'|O'", "'<U10'", "'>f8'", "'<f2'", "'=i4'", "[('a', '<f4')]", "''", "'<f4"), fc.string({ maxLength: 20 }).map((s) => `'${s}'`));
    const shape = fc.oneof(
      fc.array(fc.oneof(fc.nat({ max: 70 }), fc.constantFrom(0, 2 ** 31, 2 ** 53, 999999999999999)), { maxLength: 10 }).map((dims) => `(${dims.join(', ')}${dims.length === 1 ? ',' : ''})`),
      fc.constantFrom('()', '(-1,)', '(1.5,)', '(3L, 4L)', '(a,)', '[3, 4]', '(', '(1,2,3,4,5,6,7,8,9)', '(,)'),
    );
    const dict = fc
      .tuple(descr, fc.constantFrom('False', 'True', 'false', '0'), shape, fc.constantFrom('', ", 'extra': 1", " 'descr': '<f8',"))
      .map(([d, f, s, extra]) => `{'descr': ${d}, 'fortran_order': ${f}, 'shape': ${s}${extra}, }`);
    await fuzz(
      fc.property(dict, fc.uint8Array({ maxLength: 256 }), fc.constantFrom(1, 2, 3), (text, data, major) => {
        expectReadOrRefused(npyWithHeader(text, data, major));
      }),
      { numRuns: 300 },
    );
  });
});

describe('fuzzing probe hints (the upload\'s ?probe=)', () => {
  it('hints of any dims and data build bounded probe inputs or are refused naming the input', async () => {
    const hint = fc.record(
      {
        dims: fc.array(fc.oneof(fc.nat({ max: 8 }), fc.constantFrom(0, 1_000_000)), { maxLength: 8 }),
        data: fc.array(fc.oneof(fc.double(), fc.boolean(), fc.string({ maxLength: 8 })), { maxLength: 64 }),
      },
      { requiredKeys: ['dims'] },
    );
    const hints = fc.dictionary(fc.constantFrom('x', 'ids', 'unknown', ''), hint, { maxKeys: 3 });
    await fuzz(
      fc.property(hints, (given) => {
        let built;
        try {
          built = buildProbeInputs(INPUTS, given, 'ab'.repeat(32));
        } catch (error) {
          expect(error).toBeInstanceOf(HubError);
          expect((error as HubError).code).toBe('E_VALIDATION');
          expect((error as HubError).message).toMatch(/^probe[.:]/);
          return;
        }
        let total = 0;
        for (const tensor of Object.values(built)) {
          expect(tensor.data.length).toBe(elementCount(tensor.dims));
          total += tensor.data.length;
        }
        expect(total).toBeLessThanOrEqual(MAX_PROBE_INPUT_ELEMENTS);
      }),
    );
  });
});
