/**
 * Validation of prediction requests against the serving release's declared inputs. Pure.
 *
 * - `parsePredictBody`: a local /v1/predict body (the parsed JSON) in one pass, no schema
 *   library: shape, names, types, dims and every element checked while the typed arrays are
 *   filled. Errors are E_SCHEMA naming the field (`inputs.<name>.dims: ...`).
 * - `checkTypedInputs`: the in-process API's typed tensors: names, types, dims and lengths in a
 *   loop over the model's inputs; typed-array elements are not looked at (any value of a
 *   Float32Array is a float32).
 * - `checkInputs`: JSON tensors that already have the protocol's shape (a manifest's probe, a
 *   request replayed on a shadow).
 */
import type { IoSpec, TensorJson } from '@edgefleet/protocol';
import { AgentError } from '../errors';
import { dimsProblem, elementCount, isTypedData, isTypedTensorType, tensorProblem, TYPED_DATA_OF, typedFromJson, type TypedTensor } from './tensors';

/** A request ready to run: typed tensors for onnxruntime, and the JSON it came from (statistics and shadow read that). */
export interface ParsedPredictBody {
  json: Record<string, TensorJson>;
  typed: Record<string, TypedTensor>;
}

const schemaError = (message: string): AgentError => new AgentError('E_SCHEMA', message);
const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const TENSOR_FIELDS: ReadonlySet<string> = new Set(['type', 'dims', 'data']);

/** The body `{ "inputs": { "<name>": { "type", "dims", "data" } } }`, checked and converted in one pass. */
export function parsePredictBody(body: unknown, specs: readonly IoSpec[]): ParsedPredictBody {
  if (!isPlainObject(body)) throw schemaError('(root): expected an object { "inputs": { "<name>": { "type", "dims", "data" } } }');
  const inputs = body.inputs;
  if (!isPlainObject(inputs)) throw schemaError(`inputs: expected an object of named tensors, got ${inputs === undefined ? 'nothing' : describe(inputs)}`);
  for (const key in body) if (key !== 'inputs') throw schemaError(`${key}: unknown field (the body holds only "inputs")`);
  rejectUnknownNames(inputs, specs, 'inputs');
  const json: Record<string, TensorJson> = {};
  const typed: Record<string, TypedTensor> = {};
  for (const spec of specs) {
    const where = `inputs.${spec.name}`;
    const tensor = Object.hasOwn(inputs, spec.name) ? inputs[spec.name] : undefined;
    if (tensor === undefined) throw schemaError(`${where}: missing input`);
    if (!isPlainObject(tensor)) throw schemaError(`${where}: expected a tensor { "type", "dims", "data" }, got ${describe(tensor)}`);
    for (const key in tensor) if (!TENSOR_FIELDS.has(key)) throw schemaError(`${where}.${key}: unknown field (a tensor has type, dims and data)`);
    const { type, dims, data } = tensor;
    if (typeof type !== 'string' || type !== spec.type) throw schemaError(`${where}.type: expected ${spec.type}, got ${typeof type === 'string' ? type : describe(type)}`);
    if (!isTypedTensorType(type)) throw schemaError(`${where}.type: ${type} tensors are not supported over JSON`);
    const badDims = dimsProblem(dims);
    if (badDims) throw schemaError(`${where}.dims: ${badDims}`);
    const shape = dims as number[];
    const badShape = shapeProblem(shape, spec.shape);
    if (badShape) throw schemaError(`${where}.dims: ${badShape}`);
    if (!Array.isArray(data)) throw schemaError(`${where}.data: expected an array, got ${describe(data)}`);
    const items: readonly unknown[] = data;
    const expected = elementCount(shape);
    if (items.length !== expected) throw schemaError(`${where}.data: has ${items.length} elements but dims [${shape.join(',')}] need ${expected}`);
    const converted = typedFromJson(type, shape, items);
    if (typeof converted === 'string') throw schemaError(`${where}.${converted}`);
    typed[spec.name] = converted;
    // typedFromJson has checked every element against `type`: the array is JSON tensor data.
    json[spec.name] = { type, dims: shape, data: items as TensorJson['data'] };
  }
  return { json, typed };
}

/** The body's inputs as JSON tensors, checked (what the local API took before it ran typed arrays). */
export function parsePredictInputs(body: unknown, specs: readonly IoSpec[]): Record<string, TensorJson> {
  return parsePredictBody(body, specs).json;
}

/**
 * The in-process API's inputs: one entry per model input, each of the model's type, with data in
 * the typed array of that type, dims of the model's rank and fixed sizes, and as many elements
 * as the dims say. Returns `inputs` itself (nothing is copied or rebuilt: the hot path of small
 * models allocates nothing here).
 */
export function checkTypedInputs(inputs: Readonly<Record<string, TypedTensor>>, specs: readonly IoSpec[]): Readonly<Record<string, TypedTensor>> {
  if (!isPlainObject(inputs)) throw schemaError(`inputs: expected an object of named tensors, got ${describe(inputs)}`);
  let named = 0;
  for (const key in inputs) if (Object.hasOwn(inputs, key)) named++;
  if (named !== specs.length) rejectUnknownNames(inputs, specs, 'inputs');
  for (let s = 0; s < specs.length; s++) {
    const spec = specs[s] as IoSpec;
    const tensor: unknown = Object.hasOwn(inputs, spec.name) ? inputs[spec.name] : undefined;
    if (tensor === undefined) {
      // A misspelt name says so rather than that the right one is missing.
      rejectUnknownNames(inputs, specs, 'inputs');
      throw schemaError(`inputs.${spec.name}: missing input`);
    }
    if (!isPlainObject(tensor)) throw schemaError(`inputs.${spec.name}: expected a tensor { type, dims, data }, got ${describe(tensor)}`);
    const { type, dims, data } = tensor;
    if (typeof type !== 'string' || type !== spec.type) throw schemaError(`inputs.${spec.name}.type: expected ${spec.type}, got ${typeof type === 'string' ? type : describe(type)}`);
    if (!isTypedTensorType(type)) throw schemaError(`inputs.${spec.name}.type: ${type} tensors are not supported`);
    const badDims = dimsProblem(dims);
    if (badDims) throw schemaError(`inputs.${spec.name}.dims: ${badDims}`);
    const shape = dims as readonly number[];
    const badShape = shapeProblem(shape, spec.shape);
    if (badShape) throw schemaError(`inputs.${spec.name}.dims: ${badShape}`);
    if (!isTypedData(type, data)) throw schemaError(`inputs.${spec.name}.data: a ${type} tensor takes ${TYPED_DATA_OF[type]}, got ${describe(data)}`);
    const expected = elementCount(shape);
    if (data.length !== expected) throw schemaError(`inputs.${spec.name}.data: has ${data.length} elements but dims [${shape.join(',')}] need ${expected}`);
  }
  return inputs;
}

/** Shared with the probe: the same rules apply to golden inputs from a manifest. */
export function checkInputs(inputs: Record<string, TensorJson>, specs: readonly IoSpec[], where: string): Record<string, TensorJson> {
  rejectUnknownNames(inputs, specs, where);
  for (const spec of specs) {
    const tensor = inputs[spec.name];
    if (!tensor) throw new AgentError('E_SCHEMA', `${where}.${spec.name}: missing input`);
    if (tensor.type !== spec.type) throw new AgentError('E_SCHEMA', `${where}.${spec.name}.type: expected ${spec.type}, got ${tensor.type}`);
    const badShape = shapeProblem(tensor.dims, spec.shape);
    if (badShape) throw new AgentError('E_SCHEMA', `${where}.${spec.name}.dims: ${badShape}`);
    const problem = tensorProblem(tensor);
    if (problem) throw new AgentError('E_SCHEMA', `${where}.${spec.name}: ${problem}`);
  }
  return inputs;
}

function rejectUnknownNames(inputs: object, specs: readonly IoSpec[], where: string): void {
  for (const name of Object.keys(inputs)) {
    if (!specs.some((spec) => spec.name === name)) throw schemaError(`${where}.${name}: unknown input (expected ${specs.map((spec) => spec.name).join(', ')})`);
  }
}

/** Rank must match; numeric dims must match exactly; symbolic (string) dims accept any size. */
function shapeProblem(dims: readonly number[], shape: IoSpec['shape']): string | null {
  if (dims.length !== shape.length) return `rank ${dims.length} does not match the model's rank ${shape.length}`;
  for (let i = 0; i < shape.length; i++) {
    const want = shape[i];
    if (typeof want === 'number' && want > 0 && dims[i] !== want) return `dimension ${i} is ${dims[i]}, the model needs ${want}`;
  }
  return null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'string') return `a string`;
  return typeof value === 'object' ? 'an object' : typeof value;
}
