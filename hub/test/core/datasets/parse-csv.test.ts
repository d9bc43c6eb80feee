import { describe, expect, it } from 'vitest';
import { DatasetError, type DatasetErrorCode } from '../../../src/core/datasets/dataset-error';
import { parseCsv, type ParseCsvOptions } from '../../../src/core/datasets/parse-csv';
import type { Column } from '../../../src/core/training/types';

const column = (columns: Column[], name: string): Column => {
  const found = columns.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no column ${name}`);
  return found;
};

const numbers = (columns: Column[], name: string): number[] => {
  const c = column(columns, name);
  if (c.kind !== 'numeric') throw new Error(`${name} is not numeric`);
  return Array.from(c.values);
};

function parseError(input: string | Uint8Array, options?: ParseCsvOptions): DatasetError {
  try {
    parseCsv(input, options);
  } catch (error) {
    if (error instanceof DatasetError) return error;
    throw error;
  }
  throw new Error('expected a DatasetError');
}

describe('parseCsv', () => {
  it('infers numeric and categorical columns and reads missing tokens', () => {
    const table = parseCsv('a,b,c,d\n1,x,NA,1e3\n2.5,,null,-.5\n,NaN,nan,+7\n-3,y,,0');
    expect(table.rows).toBe(4);
    expect(table.columns.map((c) => [c.name, c.kind])).toEqual([
      ['a', 'numeric'],
      ['b', 'categorical'],
      ['c', 'categorical'], // all missing: no numbers to speak of
      ['d', 'numeric'],
    ]);
    expect(numbers(table.columns, 'a')).toEqual([1, 2.5, Number.NaN, -3]);
    expect(column(table.columns, 'b').values).toEqual(['x', null, null, 'y']);
    expect(numbers(table.columns, 'd')).toEqual([1000, -0.5, 7, 0]);
  });

  it('keeps hex ids, Infinity and numbers with units categorical', () => {
    const table = parseCsv('id,v,w\n0x1f,Infinity,3kg\n12,1,4kg');
    expect(table.columns.map((c) => c.kind)).toEqual(['categorical', 'categorical', 'categorical']);
  });

  it('honours declared kinds both ways', () => {
    const table = parseCsv('mote,t\n1,20\n2,21', { kinds: { mote: 'categorical', t: 'numeric' } });
    expect(column(table.columns, 'mote')).toEqual({ name: 'mote', kind: 'categorical', values: ['1', '2'] });
    expect(column(table.columns, 't').kind).toBe('numeric');
  });

  it('reads bytes with a BOM, quoted fields, CRLF, blank lines and trims around delimiters', () => {
    const bytes = new TextEncoder().encode('\uFEFFname, note \r\n"Smith, J", "say ""hi"""\r\n\r\nLee , plain\r\n');
    const table = parseCsv(bytes);
    expect(table.rows).toBe(2);
    expect(column(table.columns, 'name').values).toEqual(['Smith, J', 'Lee']);
    expect(column(table.columns, 'note').values).toEqual(['say "hi"', 'plain']);
  });

  it('accepts another delimiter and other missing tokens', () => {
    const table = parseCsv('a;b\n1;?\n2;3', { delimiter: ';', missingTokens: ['?'] });
    expect(numbers(table.columns, 'b')).toEqual([Number.NaN, 3]);
  });

  const cases: Array<{ name: string; input: string | Uint8Array; options?: ParseCsvOptions; code: DatasetErrorCode; details?: Record<string, unknown> }> = [
    { name: 'empty file', input: '', code: 'E_EMPTY' },
    { name: 'whitespace only', input: ' \n\n', code: 'E_EMPTY' },
    { name: 'header only', input: 'a,b\n', code: 'E_NO_ROWS', details: { columns: 2 } },
    { name: 'short row', input: 'a,b,c\n1,2,3\n4,5\n', code: 'E_RAGGED', details: { row: 2, fields: 2, expected: 3 } },
    { name: 'long row', input: 'a,b\n1,2,3\n', code: 'E_RAGGED', details: { row: 1, fields: 3, expected: 2 } },
    { name: 'duplicate column', input: 'a,b,a\n1,2,3', code: 'E_DUPLICATE_COLUMN', details: { column: 'a', index: 3 } },
    { name: 'empty column name', input: 'a, ,c\n1,2,3', code: 'E_EMPTY_COLUMN_NAME', details: { index: 2 } },
    { name: 'too many columns', input: 'a,b,c\n1,2,3', options: { maxColumns: 2 }, code: 'E_TOO_MANY_COLUMNS', details: { columns: 3, limit: 2 } },
    { name: 'too many rows', input: 'a\n1\n2\n3\n', options: { maxRows: 2 }, code: 'E_TOO_MANY_ROWS', details: { limit: 2 } },
    { name: 'invalid UTF-8', input: Uint8Array.of(0x61, 0x0a, 0x31, 0xff, 0x0a), code: 'E_INVALID_UTF8', details: { offset: 3 } },
    { name: 'unclosed quote', input: 'a,b\n"1,2\n', code: 'E_CSV_SYNTAX' },
    { name: 'declared numeric column holding text', input: 'id,t\n1,20\n2,warm\n', options: { kinds: { t: 'numeric' } }, code: 'E_NOT_NUMERIC', details: { column: 't', row: 2, value: 'warm' } },
    { name: 'declared column not in header', input: 'a\n1', options: { kinds: { b: 'numeric' } }, code: 'E_UNKNOWN_COLUMN', details: { column: 'b' } },
  ];
  for (const c of cases) {
    it(`rejects: ${c.name}`, () => {
      const error = parseError(c.input, c.options);
      expect(error.code).toBe(c.code);
      if (c.details !== undefined) expect(error.details).toMatchObject(c.details);
    });
  }

  it('names column, row and value in the message of a declared-numeric error', () => {
    expect(parseError('t\n1\nwarm', { kinds: { t: 'numeric' } }).message).toBe('column "t" is declared numeric but row 2 holds "warm"');
  });
});
