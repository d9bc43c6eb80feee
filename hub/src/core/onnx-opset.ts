/**
 * Reads the default-domain opset of an ONNX file without loading it: the ModelProto's top-level
 * fields are walked with random-access reads, so the (large) graph field is skipped, not read.
 * onnx.proto: ModelProto.opset_import = 8 (OperatorSetIdProto: domain = 1, version = 2).
 */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

const OPSET_IMPORT_FIELD = 8;
const MAX_VARINT_BYTES = 10;

interface Varint {
  value: number;
  next: number;
}

function readVarint(bytes: Uint8Array, start: number): Varint | null {
  let value = 0;
  let multiplier = 1;
  for (let i = start; i < Math.min(bytes.length, start + MAX_VARINT_BYTES); i++) {
    const byte = bytes[i] ?? 0;
    value += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
  }
  return null;
}

/** Returns the opset of the default domain ('' or 'ai.onnx'), or undefined if it cannot tell. */
export async function readOnnxOpset(readAt: ReadAt, fileSize: number): Promise<number | undefined> {
  let offset = 0;
  let best: number | undefined;
  while (offset < fileSize) {
    const header = await readAt(offset, 2 * MAX_VARINT_BYTES);
    const tag = readVarint(header, 0);
    if (!tag) return best;
    const field = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    if (wireType === 0) {
      const value = readVarint(header, tag.next);
      if (!value) return best;
      offset += value.next;
    } else if (wireType === 2) {
      const length = readVarint(header, tag.next);
      if (!length) return best;
      const bodyStart = offset + length.next;
      if (field === OPSET_IMPORT_FIELD && length.value < 1024) {
        const opset = parseOperatorSetId(await readAt(bodyStart, length.value));
        if (opset && (opset.domain === '' || opset.domain === 'ai.onnx')) best = opset.version;
      }
      offset = bodyStart + length.value;
    } else if (wireType === 5) {
      offset += tag.next + 4;
    } else if (wireType === 1) {
      offset += tag.next + 8;
    } else {
      return best;
    }
  }
  return best;
}

function parseOperatorSetId(bytes: Uint8Array): { domain: string; version: number } | null {
  let i = 0;
  let domain = '';
  let version: number | undefined;
  while (i < bytes.length) {
    const tag = readVarint(bytes, i);
    if (!tag) return null;
    const field = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    if (wireType === 2) {
      const length = readVarint(bytes, tag.next);
      if (!length) return null;
      if (field === 1) domain = new TextDecoder().decode(bytes.subarray(length.next, length.next + length.value));
      i = length.next + length.value;
    } else if (wireType === 0) {
      const value = readVarint(bytes, tag.next);
      if (!value) return null;
      if (field === 2) version = value.value;
      i = value.next;
    } else {
      return null;
    }
  }
  return version === undefined ? null : { domain, version };
}
