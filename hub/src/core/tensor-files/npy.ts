/**
 * numpy's .npy format (format 1.0, 2.0, 3.0), read with bounds: magic, a little-endian header
 * length, a Python dict literal `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`,
 * then the raw elements in C order. Only plain numeric and boolean dtypes are accepted: an object
 * dtype ('O') would be a pickle, which the hub never unpickles. Every refusal is an E_VALIDATION
 * naming `<field>.<array>` and what was wrong. Pure: bytes in, a typed view out.
 */
import { validation } from '../errors';

export interface NpyLimits {
  /** largest element count of one array */
  maxElements: number;
}

/** Tensors feed models, so rank is bounded like the protocol's dims (tensorJsonSchema: 8). */
const MAX_RANK = 8;
/** numpy writes headers padded to 64 bytes; anything this long is not a real header. */
const MAX_HEADER_BYTES = 64 * 1024;
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export type NpyKind = 'float' | 'int' | 'uint' | 'bool';

export interface NpyArray {
  /** the numpy dtype string as written, e.g. `<f4` */
  descr: string;
  kind: NpyKind;
  shape: number[];
  count: number;
  /** element `i` in C order as a number (int64 beyond 2^53 loses precision, like any JSON tensor) */
  at(i: number): number;
}

const DTYPES: Record<string, { kind: NpyKind; size: number }> = {
  f4: { kind: 'float', size: 4 },
  f8: { kind: 'float', size: 8 },
  i1: { kind: 'int', size: 1 },
  i2: { kind: 'int', size: 2 },
  i4: { kind: 'int', size: 4 },
  i8: { kind: 'int', size: 8 },
  u1: { kind: 'uint', size: 1 },
  u2: { kind: 'uint', size: 2 },
  u4: { kind: 'uint', size: 4 },
  b1: { kind: 'bool', size: 1 },
};

function parseHeader(header: string, field: string): { descr: string; fortran: boolean; shape: number[] } {
  const descrMatch = /['"]descr['"]\s*:\s*'([^']*)'/.exec(header);
  if (!descrMatch) {
    throw validation(`${field}.descr: ${/['"]descr['"]\s*:/.test(header) ? 'not a plain dtype (structured arrays are not accepted)' : 'missing from the header'}`);
  }
  const fortranMatch = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  if (!fortranMatch) throw validation(`${field}.fortran_order: missing from the header`);
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!shapeMatch) throw validation(`${field}.shape: missing from the header`);
  const parts = (shapeMatch[1] ?? '').split(',').map((part) => part.trim().replace(/L$/, '')).filter((part) => part.length > 0);
  if (parts.length > MAX_RANK) throw validation(`${field}.shape: rank ${parts.length} exceeds ${MAX_RANK}`);
  const shape = parts.map((part) => {
    if (!/^\d{1,15}$/.test(part)) throw validation(`${field}.shape: ${JSON.stringify(part)} is not a dimension`);
    return Number(part);
  });
  return { descr: descrMatch[1] ?? '', fortran: fortranMatch[1] === 'True', shape };
}

function dtypeOf(descr: string, field: string): { kind: NpyKind; size: number; littleEndian: boolean } {
  const match = /^([<>|=]?)([a-z]\d+|\?)$/.exec(descr);
  const code = match?.[2] === '?' ? 'b1' : match?.[2];
  const dtype = code === undefined ? undefined : DTYPES[code];
  if (!match || !dtype) {
    throw validation(`${field}.descr: dtype ${JSON.stringify(descr)} is not accepted (use float32, float64, int8/16/32/64, uint8/16/32 or bool)`);
  }
  // '=' is the writer's native order: every platform numpy ships on today is little-endian.
  return { ...dtype, littleEndian: match[1] !== '>' };
}

function reader(view: DataView, kind: NpyKind, size: number, littleEndian: boolean): (i: number) => number {
  const key = `${kind}${size}`;
  switch (key) {
    case 'float4':
      return (i) => view.getFloat32(i * 4, littleEndian);
    case 'float8':
      return (i) => view.getFloat64(i * 8, littleEndian);
    case 'int1':
      return (i) => view.getInt8(i);
    case 'int2':
      return (i) => view.getInt16(i * 2, littleEndian);
    case 'int4':
      return (i) => view.getInt32(i * 4, littleEndian);
    case 'int8':
      return (i) => Number(view.getBigInt64(i * 8, littleEndian));
    case 'uint2':
      return (i) => view.getUint16(i * 2, littleEndian);
    case 'uint4':
      return (i) => view.getUint32(i * 4, littleEndian);
    default:
      // uint8 and bool: one byte each (numpy stores bool as 0/1)
      return (i) => view.getUint8(i);
  }
}

/** Parses one .npy file; `field` names it in errors (`samples.x`). */
export function parseNpy(bytes: Uint8Array, field: string, limits: NpyLimits): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw validation(`${field}: not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6] ?? 0;
  if (major < 1 || major > 3) throw validation(`${field}: .npy format version ${major} is not supported (1, 2 or 3)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw validation(`${field}: truncated .npy header`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthBytes + headerLength;
  if (headerLength > MAX_HEADER_BYTES || dataStart > bytes.length) throw validation(`${field}: .npy header of ${headerLength} bytes is truncated or too long`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lengthBytes, dataStart));
  const { descr, fortran, shape } = parseHeader(header, field);
  if (fortran) throw validation(`${field}.fortran_order: Fortran-ordered arrays are not accepted; save with np.ascontiguousarray`);
  const dtype = dtypeOf(descr, field);
  const count = shape.reduce((n, d) => n * d, 1);
  if (count > limits.maxElements) throw validation(`${field}.shape: [${shape.join(',')}] holds ${count} elements (limit ${limits.maxElements})`);
  const dataBytes = bytes.length - dataStart;
  if (dataBytes !== count * dtype.size) {
    throw validation(`${field}: shape [${shape.join(',')}] of ${descr} needs ${count * dtype.size} data bytes, the file has ${dataBytes}`);
  }
  const data = new DataView(bytes.buffer, bytes.byteOffset + dataStart, dataBytes);
  return { descr, kind: dtype.kind, shape, count, at: reader(data, dtype.kind, dtype.size, dtype.littleEndian) };
}
