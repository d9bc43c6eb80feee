/**
 * One CSV line (RFC 4180 fields: comma-separated, `"` quotes a field, `""` inside quotes is one
 * `"`). A batch file is read line by line with bounded memory, so a quoted field cannot span
 * lines: an unterminated quote is an error naming the column, never a silent merge of two rows.
 * Pure.
 */

export type CsvLine = { ok: true; cells: string[] } | { ok: false; problem: string };

export function parseCsvLine(line: string): CsvLine {
  const cells: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let from = ++i;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) return { ok: false, problem: `column ${cells.length + 1}: a quoted field is not closed on this line (quoted fields cannot span lines in a batch file)` };
        if (line.charCodeAt(quote + 1) === 34) {
          value += line.slice(from, quote + 1);
          i = from = quote + 2;
          continue;
        }
        value += line.slice(from, quote);
        i = quote + 1;
        break;
      }
      // Spaces after a closing quote are tolerated; anything else is a broken field.
      while (i < n && line.charCodeAt(i) === 32) i++;
      if (i < n && line.charCodeAt(i) !== 44 /* , */) return { ok: false, problem: `column ${cells.length + 1}: text after a closing quote` };
      cells.push(value);
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      const value = line.slice(i, end);
      if (value.includes('"')) return { ok: false, problem: `column ${cells.length + 1}: a quote inside an unquoted field` };
      cells.push(value);
      i = end;
    }
    if (i >= n) return { ok: true, cells };
    i++; // the comma
    if (i === n) {
      cells.push('');
      return { ok: true, cells };
    }
  }
}

/**
 * A numeric cell: a decimal or exponent number, `NaN`, `Infinity` or `-Infinity` (what a float
 * column of a CSV export holds). Empty cells and anything else are refused, not read as 0 as
 * `Number('')` would.
 */
export function parseNumberCell(cell: string): number | null {
  const text = cell.trim();
  if (text === '') return null;
  if (text === 'NaN' || text === 'nan') return NaN;
  const value = Number(text);
  if (Number.isNaN(value)) return null;
  // Number() also takes hex, octal and binary literals; a data column never means those.
  if (/^[+-]?0[xob]/i.test(text)) return null;
  return value;
}
