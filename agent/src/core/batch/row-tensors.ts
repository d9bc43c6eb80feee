/**
 * Rows in, one session run, rows out: per-row inputs (each dims [1, ...]) stacked along the
 * first dim into one request, and the outputs sliced back into one JSON tensor per row, in the
 * form POST /v1/predict answers for a one-row request. Pure.
 */
import { tensorToJson, type IoSpec, type TensorJson } from '@edgefleet/protocol';
import type { TypedTensor } from '@edgefleet/device-core';
import { isOpenDim } from './table-plan';

export type RowInputs = Readonly<Record<string, TypedTensor>>;

/** Whether rows may share a run: every input's first dim is the batch (open in the model). */
export const stackableModel = (inputs: readonly IoSpec[]): boolean => inputs.every((spec) => spec.shape.length >= 1 && isOpenDim(spec.shape[0]));

/**
 * The rows as one request, or null when they cannot share one: a row not of one row
 * (dims[0] != 1) or dims that differ between rows.
 */
export function stackRows(rows: readonly RowInputs[]): Record<string, TypedTensor> | null {
  const first = rows[0];
  if (!first) return null;
  if (rows.length === 1) return { ...first };
  const stacked: Record<string, TypedTensor> = {};
  for (const name of Object.keys(first)) {
    const head = first[name] as TypedTensor;
    if (head.dims[0] !== 1) return null;
    const rest = head.dims.slice(1);
    const per = head.data.length;
    for (const row of rows) {
      const tensor = row[name];
      if (!tensor || tensor.type !== head.type || tensor.dims.length !== head.dims.length || tensor.data.length !== per || tensor.dims[0] !== 1) return null;
      for (let d = 1; d < tensor.dims.length; d++) if (tensor.dims[d] !== head.dims[d]) return null;
    }
    stacked[name] = concat(head, rows.map((row) => row[name] as TypedTensor), [rows.length, ...rest]);
  }
  return stacked;
}

function concat(head: TypedTensor, parts: readonly TypedTensor[], dims: number[]): TypedTensor {
  if (head.type === 'string') return { type: 'string', dims, data: parts.flatMap((part) => part.data as readonly string[]) };
  const per = head.data.length;
  const Ctor = (head.data as Exclude<TypedTensor['data'], readonly string[]>).constructor as new (length: number) => Exclude<TypedTensor['data'], readonly string[]>;
  const data = new Ctor(per * parts.length);
  parts.forEach((part, i) => (data as Float32Array).set(part.data as Float32Array, i * per));
  return { type: head.type, dims, data } as TypedTensor;
}

/**
 * Each row's outputs as JSON tensors of dims [1, ...]; null when an output's first dim is not
 * the rows (a model whose outputs are not per row: its rows must then run one at a time).
 */
export function sliceOutputs(outputs: Readonly<Record<string, TypedTensor>>, rows: number): Array<Record<string, TensorJson>> | null {
  const names = Object.keys(outputs);
  for (const name of names) {
    const tensor = outputs[name] as TypedTensor;
    if (tensor.dims.length < 1 || tensor.dims[0] !== rows) return null;
  }
  const result: Array<Record<string, TensorJson>> = [];
  for (let r = 0; r < rows; r++) {
    const row: Record<string, TensorJson> = {};
    for (const name of names) {
      const tensor = outputs[name] as TypedTensor;
      const per = tensor.data.length / rows;
      const dims = [1, ...tensor.dims.slice(1)];
      const part = tensor.type === 'string' ? tensor.data.slice(r * per, (r + 1) * per) : (tensor.data as Float32Array).subarray(r * per, (r + 1) * per);
      row[name] = tensorToJson(tensor.type, part, dims);
    }
    result.push(row);
  }
  return result;
}

/** Outputs of a run of one request, as they are (a model whose outputs are not per row). */
export function wholeOutputs(outputs: Readonly<Record<string, TypedTensor>>): Record<string, TensorJson> {
  const row: Record<string, TensorJson> = {};
  for (const name of Object.keys(outputs)) {
    const tensor = outputs[name] as TypedTensor;
    row[name] = tensorToJson(tensor.type, tensor.data, tensor.dims);
  }
  return row;
}

/** One line of the results file: the row's outputs, or why the row has none. */
export function resultLine(row: number, outputs: Record<string, TensorJson>): string {
  return `${JSON.stringify({ row, outputs })}\n`;
}

export function errorLine(row: number, error: { code: string; message: string }): string {
  return `${JSON.stringify({ row, error })}\n`;
}
