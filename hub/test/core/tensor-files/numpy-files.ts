/**
 * Writes .npy and .npz files the way numpy does (format 1.0 header padded to 64 bytes; zip
 * entries stored like np.savez or deflated like np.savez_compressed), for tests.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

const DESCR = (data: NpyData): string =>
  data instanceof Float32Array ? '<f4' : data instanceof Float64Array ? '<f8' : data instanceof Int32Array ? '<i4' : data instanceof BigInt64Array ? '<i8' : '|u1';

export function npyBytes(data: NpyData, shape: readonly number[], header: Partial<{ descr: string; fortran: boolean }> = {}): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${header.descr ?? DESCR(data)}', 'fortran_order': ${header.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const unpadded = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const head = new Uint8Array(10 + dict.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(head.buffer).setUint16(8, dict.length, true);
  head.set(new TextEncoder().encode(dict), 10);
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** A zip of `<name>.npy` entries; `compress` deflates them (np.savez_compressed). */
export function npzBytes(arrays: Record<string, Uint8Array>, options: { compress?: boolean; declaredSize?: (size: number) => number } = {}): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const [name, npy] of Object.entries(arrays)) {
    const fileName = new TextEncoder().encode(`${name}.npy`);
    const stored = options.compress ? new Uint8Array(deflateRawSync(npy)) : npy;
    const crc = crc32(npy) >>> 0;
    const size = options.declaredSize?.(npy.length) ?? npy.length;
    const local = new Uint8Array(30 + fileName.length + stored.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, options.compress ? 8 : 0, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, stored.length, true);
    lv.setUint32(22, size, true);
    lv.setUint16(26, fileName.length, true);
    local.set(fileName, 30);
    local.set(stored, 30 + fileName.length);
    const central = new Uint8Array(46 + fileName.length);
    const cv = new DataView(central.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, options.compress ? 8 : 0, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, stored.length, true);
    cv.setUint32(24, size, true);
    cv.setUint16(28, fileName.length, true);
    cv.setUint32(42, offset, true);
    central.set(fileName, 46);
    locals.push(local);
    centrals.push(central);
    offset += local.length;
  }
  const directorySize = centrals.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, centrals.length, true);
  ev.setUint16(10, centrals.length, true);
  ev.setUint32(12, directorySize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + directorySize + 22);
  let at = 0;
  for (const part of [...locals, ...centrals, end]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
