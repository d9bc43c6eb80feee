/**
 * The header of a NumPy `.npy` file (format versions 1 to 3): magic, version, header length,
 * then a Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 4), }`.
 * Only what a batch job reads is accepted: little-endian float32, C order. Pure.
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export interface NpyHeader {
  /** where the data starts: the byte after the header */
  dataOffset: number;
  shape: number[];
}

export type NpyHeaderResult = { ok: true; header: NpyHeader } | { ok: false; problem: string } | { ok: 'more'; bytes: number };

/** `prefix`: the file's first bytes; { ok: 'more', bytes } when the header needs that many. */
export function parseNpyHeader(prefix: Uint8Array): NpyHeaderResult {
  if (prefix.length < 10) return prefix.length < MAGIC.length || MAGIC.every((b, i) => prefix[i] === b) ? { ok: 'more', bytes: 12 } : notNpy();
  if (!MAGIC.every((b, i) => prefix[i] === b)) return notNpy();
  const major = prefix[6] as number;
  if (major < 1 || major > 3) return { ok: false, problem: `.npy format version ${major} is not supported (1 to 3 are)` };
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (prefix.length < 8 + lengthBytes) return { ok: 'more', bytes: 8 + lengthBytes };
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > 1 << 20) return { ok: false, problem: `.npy header of ${headerLength} bytes is too large` };
  const dataOffset = 8 + lengthBytes + headerLength;
  if (prefix.length < dataOffset) return { ok: 'more', bytes: dataOffset };
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(prefix.subarray(8 + lengthBytes, dataOffset));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) return { ok: false, problem: '.npy header lacks descr, fortran_order or shape' };
  if (descr !== '<f4') return { ok: false, problem: `.npy data type ${descr} is not supported: write little-endian float32 ('<f4', numpy.float32)` };
  if (fortran === 'True') return { ok: false, problem: '.npy data in Fortran order is not supported: write C order (numpy.ascontiguousarray)' };
  const parts = shapeText.split(',').map((part) => part.trim()).filter((part) => part !== '');
  const shape = parts.map((part) => (/^\d+$/.test(part) ? Number(part) : NaN));
  if (shape.some((dim) => !Number.isSafeInteger(dim))) return { ok: false, problem: `.npy shape (${shapeText}) is not a tuple of whole numbers` };
  if (shape.length < 1) return { ok: false, problem: '.npy holds a scalar: a batch needs rows (shape (rows, ...))' };
  return { ok: true, header: { dataOffset, shape } };
}

const notNpy = (): NpyHeaderResult => ({ ok: false, problem: 'not a .npy file (no \\x93NUMPY magic)' });

/** Bytes of one row: the product of every dim after the first, 4 bytes each. */
export const npyRowBytes = (shape: readonly number[]): number => shape.slice(1).reduce((product, dim) => product * dim, 4);
