/** Looking a column up by name, with the error every caller would otherwise repeat. */
import type { Column, Table } from '../training/types';
import { DatasetError } from './dataset-error';

export function findColumn(table: Table, name: string): Column {
  const column = table.columns.find((c) => c.name === name);
  if (column === undefined) throw new DatasetError('E_UNKNOWN_COLUMN', `column "${name}" is not in the table`, { column: name });
  return column;
}
