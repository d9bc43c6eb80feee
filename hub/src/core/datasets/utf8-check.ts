/**
 * UTF-8 validation of bytes that arrive in chunks, without decoding them to a string: a chunk
 * may end inside a multi-byte sequence, so up to three bytes wait for the next one. An invalid
 * sequence is an E_INVALID_UTF8 naming its byte offset in the whole input.
 */
import { isUtf8 } from 'node:buffer';
import { DatasetError } from './dataset-error';

const invalid = (offset: number, cause?: unknown): DatasetError =>
  new DatasetError('E_INVALID_UTF8', `the file is not valid UTF-8 (byte ${offset})`, { offset }, cause === undefined ? undefined : { cause });

/** Byte offset of the first invalid UTF-8 sequence in `bytes` (the slow path, only after a failed check). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let lo = 0;
  let hi = bytes.length;
  // Largest prefix that decodes: the byte after it is where decoding fails.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      // stream: a prefix ending inside a valid multi-byte sequence is not an error.
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  // A prefix ending inside a sequence decodes (stream mode): the bad sequence starts at its lead
  // byte. When every prefix decodes, the input ends inside a sequence.
  for (let back = 1; back <= 3 && lo - back >= 0; back++) {
    const byte = bytes[lo - back] as number;
    if ((byte & 0xc0) === 0x80) continue;
    return lo - back + sequenceLength(byte) > lo ? lo - back : lo;
  }
  return lo;
}

/** The length a lead byte announces; 1 for bytes that cannot lead (the check then fails on them). */
function sequenceLength(byte: number): number {
  if (byte >= 0xf0 && byte <= 0xf4) return 4;
  if (byte >= 0xe0 && byte <= 0xef) return 3;
  if (byte >= 0xc2 && byte <= 0xdf) return 2;
  return 1;
}

/** Where the last complete sequence ends: the bytes after it may be finished by the next chunk. */
function completeLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = n - 1; i >= Math.max(0, n - 4); i--) {
    const byte = bytes[i] as number;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: its lead is further back
    return i + sequenceLength(byte) > n ? i : n;
  }
  return n;
}

export function checkUtf8(bytes: Uint8Array): void {
  if (isUtf8(bytes)) return;
  throw invalid(firstInvalidUtf8(bytes));
}

export class Utf8Stream {
  private pending: Uint8Array = new Uint8Array(0);
  /** bytes checked before `pending` */
  private offset = 0;

  push(chunk: Uint8Array): void {
    const bytes = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const cut = completeLength(bytes);
    const body = bytes.subarray(0, cut);
    if (!isUtf8(body)) throw invalid(this.offset + firstInvalidUtf8(body));
    this.offset += cut;
    this.pending = bytes.slice(cut);
  }

  /** the input ended: a sequence still waiting for its last bytes is invalid */
  end(): void {
    if (this.pending.length > 0) throw invalid(this.offset);
  }
}
