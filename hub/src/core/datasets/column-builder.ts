/**
 * One CSV column filled cell by cell as records stream past, never holding the file's text: a
 * numeric column keeps float64s (8 bytes a cell), a categorical one its labels with repeats
 * shared. An undeclared column starts numeric and turns categorical at its first non-number;
 * the numbers it held before then cannot give back their text ("1.50", "007"), so it remembers
 * up to which row a second pass over the file must bring the cells back (`refillBefore`).
 */
import type { Column } from '../training/types';
import { parseNumber, type ColumnKind } from './column-inference';
import { DatasetError } from './dataset-error';

/** Float64 cells in fixed-size chunks: growing never copies what is already stored. */
const CHUNK = 65_536;
/** Distinct labels shared per column; past this (ids, free text) labels are kept as they come. */
const MAX_INTERNED = 65_536;
/** Longest cell quoted in an error message. */
const PREVIEW_CHARS = 200;

export const preview = (text: string): string => (text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text);

class Float64Chunks {
  private readonly chunks: Float64Array[] = [];
  private current = new Float64Array(CHUNK);
  private used = 0;

  push(value: number): void {
    if (this.used === CHUNK) {
      this.chunks.push(this.current);
      this.current = new Float64Array(CHUNK);
      this.used = 0;
    }
    this.current[this.used++] = value;
  }

  toArray(length: number): Float64Array {
    const out = new Float64Array(length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += CHUNK;
    }
    out.set(this.current.subarray(0, this.used), offset);
    return out;
  }
}

class Labels {
  readonly values: Array<string | null>;
  private readonly interned = new Map<string, string>();

  constructor(missingBefore: number) {
    this.values = new Array<string | null>(missingBefore).fill(null);
  }

  share(cell: string): string {
    const known = this.interned.get(cell);
    if (known !== undefined) return known;
    if (this.interned.size < MAX_INTERNED) this.interned.set(cell, cell);
    return cell;
  }

  push(cell: string | null): void {
    this.values.push(cell === null ? null : this.share(cell));
  }
}

export class ColumnBuilder {
  private numbers: Float64Chunks | null;
  private labels: Labels | null;
  private sawNumber = false;
  private rows = 0;
  /** rows below this held numbers before the column turned categorical: their text comes from a second pass */
  refillBefore = 0;

  constructor(
    readonly name: string,
    private readonly declared: ColumnKind | undefined,
    private readonly isMissing: (cell: string) => boolean,
  ) {
    this.numbers = declared === 'categorical' ? null : new Float64Chunks();
    this.labels = declared === 'categorical' ? new Labels(0) : null;
  }

  /** `row`: the data row number (1-based, header not counted) for error messages. */
  push(cell: string, row: number): void {
    this.rows++;
    const missing = this.isMissing(cell);
    if (this.labels) {
      this.labels.push(missing ? null : cell);
      return;
    }
    const numbers = this.numbers as Float64Chunks;
    if (missing) {
      numbers.push(Number.NaN);
      return;
    }
    const value = parseNumber(cell);
    if (value !== undefined) {
      numbers.push(value);
      this.sawNumber = true;
      return;
    }
    if (this.declared === 'numeric') {
      throw new DatasetError('E_NOT_NUMERIC', `column "${this.name}" is declared numeric but row ${row} holds ${JSON.stringify(preview(cell))}`, { column: this.name, row, value: preview(cell) });
    }
    // The rows before this one were numbers or missing: missing stays null, numbers need their text again.
    const before = this.rows - 1;
    this.labels = new Labels(before);
    this.refillBefore = this.sawNumber ? before : 0;
    this.numbers = null;
    this.labels.push(cell);
  }

  /** Second pass: the text of row `index` (0-based) of a column that turned categorical. */
  refill(index: number, cell: string): void {
    if (this.labels && index < this.refillBefore && !this.isMissing(cell)) this.labels.values[index] = this.labels.share(cell);
  }

  finish(): Column {
    if (this.labels) return { name: this.name, kind: 'categorical', values: this.labels.values };
    // An all-missing column carries no numbers; categorical keeps it out of the numeric statistics.
    if (!this.sawNumber && this.declared !== 'numeric') return { name: this.name, kind: 'categorical', values: new Array<string | null>(this.rows).fill(null) };
    return { name: this.name, kind: 'numeric', values: (this.numbers as Float64Chunks).toArray(this.rows) };
  }
}
