/**
 * Reading batch inputs with bounded memory: lines from a byte offset (CSV, JSON Lines), each
 * with the offset just past it (what a checkpoint stores), blank lines skipped; a count of the
 * rows in one pass over the bytes; and the first bytes of a file (the .npy header).
 */
import type { FileHandle } from 'node:fs/promises';

const BLOCK = 256 * 1024;
/** A line longer than this fails the job: one row is never that large, and memory stays bounded. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export interface Line {
  text: string;
  /** the file offset just after the line (after its newline) */
  end: number;
}

export class LineTooLong extends Error {}

export class LineReader {
  private buf: Buffer = Buffer.alloc(0);
  /** file offset of buf[0] */
  private bufStart: number;
  private pos = 0;
  private eof = false;

  constructor(
    private readonly handle: FileHandle,
    start: number,
    private readonly maxLineBytes = MAX_LINE_BYTES,
  ) {
    this.bufStart = start;
  }

  /** The next line with something in it, or null at the end of the file. */
  async next(): Promise<Line | null> {
    for (;;) {
      const newline = this.buf.indexOf(10, this.pos);
      if (newline >= 0 || (this.eof && this.pos < this.buf.length)) {
        const stop = newline >= 0 ? newline : this.buf.length;
        const from = this.pos;
        this.pos = newline >= 0 ? newline + 1 : stop;
        let text = this.buf.toString('utf8', from, stop);
        if (text.endsWith('\r')) text = text.slice(0, -1);
        if (text.trim() === '') continue;
        return { text, end: this.bufStart + this.pos };
      }
      if (this.eof) return null;
      if (this.buf.length - this.pos > this.maxLineBytes) throw new LineTooLong(`a line at byte ${this.bufStart + this.pos} is longer than ${this.maxLineBytes} bytes`);
      await this.fill();
    }
  }

  private async fill(): Promise<void> {
    const block = Buffer.allocUnsafe(BLOCK);
    const { bytesRead } = await this.handle.read(block, 0, BLOCK, this.bufStart + this.buf.length);
    if (bytesRead === 0) this.eof = true;
    const rest = this.buf.subarray(this.pos);
    this.bufStart += this.pos;
    this.buf = rest.length === 0 ? block.subarray(0, bytesRead) : Buffer.concat([rest, block.subarray(0, bytesRead)]);
    this.pos = 0;
  }
}

/** Lines with something other than blanks in them, in one pass over the bytes (no decoding). */
export async function countLines(handle: FileHandle): Promise<number> {
  const block = Buffer.allocUnsafe(BLOCK);
  let position = 0;
  let lines = 0;
  let filled = false;
  for (;;) {
    const { bytesRead } = await handle.read(block, 0, BLOCK, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    for (let i = 0; i < bytesRead; i++) {
      const byte = block[i] as number;
      if (byte === 10) {
        if (filled) lines++;
        filled = false;
      } else if (byte !== 32 && byte !== 9 && byte !== 13) filled = true;
    }
  }
  return filled ? lines + 1 : lines;
}

/** Up to `bytes` from the start of the file. */
export async function readPrefix(handle: FileHandle, bytes: number): Promise<Uint8Array> {
  const buffer = Buffer.alloc(bytes);
  const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
  return buffer.subarray(0, bytesRead);
}
