/**
 * A protobuf wire-format cursor over a byte range, just enough to walk an ONNX file without
 * decoding it: field headers, varints, length-delimited slices. Nothing is copied and nothing is
 * allocated per field (the cursor's fields say where the current one is), so walking a 256 MiB
 * model costs no memory beyond the file (a full decoder turns every packed number into a JS
 * value: many times the file) and time linear in it. Every length is checked against the range
 * it lives in; a malformed file throws WireError.
 */

export class WireError extends Error {
  override readonly name = 'WireError';
}

/** Protobuf wire types: varint, 64-bit, length-delimited, (deprecated groups), 32-bit. */
export const WIRE = { varint: 0, fixed64: 1, bytes: 2, startGroup: 3, endGroup: 4, fixed32: 5 } as const;

/** Where a field's payload is: the varint itself, or a length-delimited field's bytes. */
export interface Span {
  start: number;
  end: number;
}

const TWO_POW_53 = 2 ** 53;

class WireCursor implements Span {
  /** the current field (after next() returned true) */
  number = 0;
  wireType = 0;
  start = 0;
  end = 0;
  private pos: number;

  constructor(
    readonly bytes: Uint8Array,
    from: number,
    private readonly limit: number,
  ) {
    if (from < 0 || limit > bytes.length || from > limit) throw new WireError(`range ${from}..${limit} outside the ${bytes.length} bytes`);
    this.pos = from;
  }

  /** Moves to the next field; false at the end of the range. */
  next(): boolean {
    if (this.pos >= this.limit) return false;
    const tag = this.varint();
    this.number = Math.floor(tag / 8);
    this.wireType = tag % 8;
    if (this.number === 0) throw new WireError('field number 0');
    switch (this.wireType) {
      case WIRE.varint:
        this.start = this.pos;
        this.skipVarint();
        break;
      case WIRE.fixed64:
        this.skip(8);
        break;
      case WIRE.fixed32:
        this.skip(4);
        break;
      case WIRE.bytes:
        this.skip(this.varint());
        break;
      default:
        // Groups are deprecated since proto3 and ONNX never uses them.
        throw new WireError(`wire type ${this.wireType} (field ${this.number}) is not used by ONNX`);
    }
    this.end = this.pos;
    return true;
  }

  /** The current field's position, to keep once the cursor moves on. */
  span(): Span {
    return { start: this.start, end: this.end };
  }

  /** A varint that must fit a JS number exactly (lengths, tags). */
  private varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.limit) throw new WireError('varint runs past the end of its message');
      const byte = this.bytes[this.pos++] as number;
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (result >= TWO_POW_53) throw new WireError('varint too large for a length or tag');
        return result;
      }
      scale *= 128;
    }
    throw new WireError('varint longer than 10 bytes');
  }

  private skipVarint(): void {
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.limit) throw new WireError('varint runs past the end of its message');
      if (((this.bytes[this.pos++] as number) & 0x80) === 0) return;
    }
    throw new WireError('varint longer than 10 bytes');
  }

  private skip(length: number): void {
    this.start = this.pos;
    if (length > this.limit - this.pos) throw new WireError(`field of ${length} bytes runs past the end of its message`);
    this.pos += length;
  }
}

/** A cursor over the fields of the message in `span`. */
export const fieldsOf = (bytes: Uint8Array, span: Span): WireCursor => new WireCursor(bytes, span.start, span.end);

/** The varint at `at`, as a signed 64-bit integer (int64 fields: dims, ints, int64_data); returns where it ends. */
function readInt64(bytes: Uint8Array, at: number, limit: number): { value: bigint; end: number } {
  let result = 0n;
  for (let i = 0; i < 10; i++) {
    if (at >= limit) throw new WireError('varint runs past the end of its message');
    const byte = bytes[at++] as number;
    result |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) return { value: BigInt.asIntN(64, result), end: at };
  }
  throw new WireError('varint longer than 10 bytes');
}

/** A varint field's value as a signed 64-bit integer. */
export const int64Of = (bytes: Uint8Array, field: Span): bigint => readInt64(bytes, field.start, field.end).value;

/** A varint field's value as a number: enums and small counts (larger values lose precision, never throw). */
export function numberOf(bytes: Uint8Array, field: Span): number {
  let result = 0;
  let scale = 1;
  for (let i = field.start; i < field.end; i++) {
    result += ((bytes[i] as number) & 0x7f) * scale;
    scale *= 128;
  }
  return result;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A length-delimited field as text (names: capped, they only go into messages and lookups). */
export const textOf = (bytes: Uint8Array, field: Span, max = 200): string => utf8.decode(bytes.subarray(field.start, Math.min(field.end, field.start + max)));

/**
 * Appends the int64 values of a repeated int64 field, packed or not (protobuf parsers must
 * accept both), to `into`; false once they would pass `max` (the list is then incomplete).
 */
export function int64Values(bytes: Uint8Array, field: Span & { wireType: number }, into: bigint[], max: number): boolean {
  if (field.wireType === WIRE.varint) {
    if (into.length >= max) return false;
    into.push(int64Of(bytes, field));
    return true;
  }
  if (field.wireType !== WIRE.bytes) return false;
  for (let at = field.start; at < field.end; ) {
    if (into.length >= max) return false;
    const read = readInt64(bytes, at, field.end);
    into.push(read.value);
    at = read.end;
  }
  return true;
}
