/**
 * numpy's .npz (np.savez, np.savez_compressed): a zip archive of `<name>.npy` entries, stored or
 * deflated. Read from the central directory (authoritative sizes; numpy forces zip64 extras in
 * local headers), with bounds before any byte is inflated: entry count, each entry's declared
 * size against what is left of the budget, inflation capped at the declared size (a zip bomb
 * stops there), and the CRC-32 checked. Every refusal is an E_VALIDATION naming the entry.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { validation } from '../errors';
import { parseNpy, type NpyArray, type NpyLimits } from './npy';

export interface NpzLimits extends NpyLimits {
  maxEntries: number;
  /** total uncompressed bytes of every entry together */
  maxUncompressedBytes: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;
const ZIP64_EXTRA = 0x0001;
const U32_MAX = 0xffffffff;

interface Entry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

function findEndOfDirectory(view: DataView, field: string): number {
  const lowest = Math.max(0, view.byteLength - EOCD_MIN - MAX_COMMENT);
  for (let at = view.byteLength - EOCD_MIN; at >= lowest; at--) if (view.getUint32(at, true) === EOCD_SIGNATURE) return at;
  throw validation(`${field}: not a .npz file (no zip end-of-directory record)`);
}

/** Sizes and offset from a central entry's zip64 extra field, for those set to 0xffffffff. */
function zip64Values(view: DataView, start: number, end: number, wanted: number): number[] {
  for (let at = start; at + 4 <= end; ) {
    const id = view.getUint16(at, true);
    const length = view.getUint16(at + 2, true);
    if (id === ZIP64_EXTRA) {
      const values: number[] = [];
      for (let i = 0; i < wanted && at + 4 + i * 8 + 8 <= end; i++) values.push(Number(view.getBigUint64(at + 4 + i * 8, true)));
      return values;
    }
    at += 4 + length;
  }
  return [];
}

function centralEntries(view: DataView, bytes: Uint8Array, field: string, limits: NpzLimits): Entry[] {
  const eocd = findEndOfDirectory(view, field);
  const count = view.getUint16(eocd + 10, true);
  const directorySize = view.getUint32(eocd + 12, true);
  const directoryOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || directoryOffset === U32_MAX) throw validation(`${field}: zip64 archives (over 65,535 entries or 4 GiB) are not accepted`);
  if (count > limits.maxEntries) throw validation(`${field}: ${count} arrays (limit ${limits.maxEntries})`);
  if (directoryOffset + directorySize > eocd) throw validation(`${field}: the zip directory lies outside the file`);
  const decoder = new TextDecoder('utf-8', { fatal: false });
  const entries: Entry[] = [];
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || view.getUint32(at, true) !== CENTRAL_SIGNATURE) throw validation(`${field}: damaged zip directory (entry ${i})`);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const nameEnd = at + 46 + nameLength;
    if (nameEnd + extraLength + commentLength > eocd) throw validation(`${field}: damaged zip directory (entry ${i})`);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    let localOffset = view.getUint32(at + 42, true);
    const wide = [size, compressedSize, localOffset].filter((value) => value === U32_MAX).length;
    if (wide > 0) {
      // zip64 extra order: uncompressed, compressed, local offset; only the saturated ones appear.
      const values = zip64Values(view, nameEnd, nameEnd + extraLength, wide);
      if (values.length < wide) throw validation(`${field}: damaged zip64 sizes (entry ${i})`);
      if (size === U32_MAX) size = values.shift() ?? 0;
      if (compressedSize === U32_MAX) compressedSize = values.shift() ?? 0;
      if (localOffset === U32_MAX) localOffset = values.shift() ?? 0;
    }
    entries.push({ name: decoder.decode(bytes.subarray(at + 46, nameEnd)), method: view.getUint16(at + 10, true), crc: view.getUint32(at + 16, true), compressedSize, size, localOffset });
    at = nameEnd + extraLength + commentLength;
  }
  return entries;
}

function entryBytes(view: DataView, bytes: Uint8Array, entry: Entry, field: string): Uint8Array {
  const { localOffset } = entry;
  if (localOffset + 30 > bytes.length || view.getUint32(localOffset, true) !== LOCAL_SIGNATURE) throw validation(`${field}: damaged zip entry header`);
  const dataStart = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
  if (dataStart + entry.compressedSize > bytes.length) throw validation(`${field}: the zip entry runs past the end of the file`);
  const raw = bytes.subarray(dataStart, dataStart + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === 0) data = raw;
  else if (entry.method === 8) {
    try {
      data = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch (error) {
      throw validation(`${field}: the deflated data is damaged or larger than its declared ${entry.size} bytes (${error instanceof Error ? error.message : String(error)})`);
    }
  } else throw validation(`${field}: zip compression method ${entry.method} is not accepted (stored or deflate, as np.savez and np.savez_compressed write)`);
  if (data.length !== entry.size) throw validation(`${field}: ${data.length} bytes where the zip directory declares ${entry.size}`);
  if (crc32(data) >>> 0 !== entry.crc >>> 0) throw validation(`${field}: CRC-32 mismatch (a damaged archive)`);
  return data;
}

/** Parses a .npz archive into its arrays by name (`x.npy` -> `x`); `field` names it in errors. */
export function parseNpz(bytes: Uint8Array, field: string, limits: NpzLimits): Map<string, NpyArray> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const arrays = new Map<string, NpyArray>();
  let budget = limits.maxUncompressedBytes;
  for (const entry of centralEntries(view, bytes, field, limits)) {
    if (entry.name.endsWith('/')) continue;
    if (!entry.name.endsWith('.npy')) throw validation(`${field}.${entry.name}: not a .npy entry (an .npz holds only <name>.npy arrays)`);
    const name = entry.name.slice(0, -'.npy'.length);
    const entryField = `${field}.${name}`;
    if (arrays.has(name)) throw validation(`${entryField}: appears twice in the archive`);
    if (entry.size > budget) throw validation(`${entryField}: ${entry.size} uncompressed bytes exceed what is left of the ${limits.maxUncompressedBytes}-byte limit`);
    budget -= entry.size;
    arrays.set(name, parseNpy(entryBytes(view, bytes, entry, entryField), entryField, limits));
  }
  if (arrays.size === 0) throw validation(`${field}: the archive holds no arrays`);
  return arrays;
}
