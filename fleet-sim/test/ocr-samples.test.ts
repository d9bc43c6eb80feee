/**
 * The OCR sample writer behind the README's third-party int8 example: its arguments are checked
 * naming the field, and its .npy has numpy's 1.0 layout (magic, 64-byte-aligned dict header,
 * raw little-endian float32) holding exactly the lines given.
 */
import { describe, expect, it } from 'vitest';
import { npyFloat32, parseOcrSamplesArgs } from '../src/demo/ocr-samples';

describe('ocr-samples', () => {
  it('takes an .npy path and a count from 1 to 600, naming what is wrong', () => {
    expect(parseOcrSamplesArgs(['/tmp/a.npy'])).toMatchObject({ count: 256 });
    expect(parseOcrSamplesArgs(['/tmp/a.npy', '600'])).toMatchObject({ count: 600 });
    expect(parseOcrSamplesArgs([])).toEqual({ error: expect.stringMatching(/^usage/) });
    expect(parseOcrSamplesArgs(['/tmp/a.bin'])).toEqual({ error: expect.stringMatching(/^out: must end in \.npy/) });
    for (const count of ['0', '601', '2.5', 'many']) expect(parseOcrSamplesArgs(['/tmp/a.npy', count])).toEqual({ error: expect.stringMatching(/^count:/) });
    expect(parseOcrSamplesArgs(['/tmp/a.npy', '3', 'extra'])).toEqual({ error: expect.stringMatching(/^usage/) });
  });

  it('writes numpy 1.0 .npy bytes: aligned header, shape, then the floats', () => {
    const data = Float32Array.from([1.5, -2, 0, 3.25, 7, 8]);
    const bytes = npyFloat32(data, [2, 3]);
    expect([...bytes.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLength = (bytes[8] ?? 0) | ((bytes[9] ?? 0) << 8);
    expect((10 + headerLength) % 64).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    expect([...new Float32Array(bytes.slice(10 + headerLength).buffer)]).toEqual([...data]);
    expect(new TextDecoder().decode(npyFloat32(Float32Array.of(1), [1]).subarray(10, 64))).toContain("'shape': (1,)");
  });
});
