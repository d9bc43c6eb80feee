/**
 * Whether a request's inputs fit the serving release's declared inputs (`release.io.inputs`).
 * Pure; a refusal is E_SCHEMA naming the field (`inputs.<name>.dims: ...`).
 *
 * - `checkTypedInputs`: an in-process caller's typed tensors: names, types, dims and lengths in
 *   a loop over the model's inputs; typed-array elements are not looked at (any value of a
 *   Float32Array is a float32).
 * - `checkInputs`: JSON tensors that already have the protocol's shape (a manifest's probe, a
 *   request replayed on a shadow).
 *
 * A runtime's own request formats (the agent's /v1/predict body) are parsed by the runtime, with
 * the message helpers below, so every runtime words the same refusal the same way.
 */
import type { IoSpec, TensorJson } from '@edgefleet/protocol';
import { DeviceCoreError } from '../errors';
import { dimsProblem, elementCount, isTypedData, isTypedTensorType, tensorProblem, TYPED_DATA_OF, type TypedTensor } from './typed-tensor';

const schemaError = (message: string): DeviceCoreError => new DeviceCoreError('E_SCHEMA', message);
export const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The inputs: one entry per model input, each of the model's type, with data in the typed array
 * of that type, dims of the model's rank and fixed sizes, and as many elements as the dims say.
 * Returns `inputs` itself (nothing is copied or rebuilt: the hot path of small models allocates
 * nothing here).
 */
export function checkTypedInputs(inputs: Readonly<Record<string, TypedTensor>>, specs: readonly IoSpec[]): Readonly<Record<string, TypedTensor>> {
  if (!isPlainObject(inputs)) throw schemaError(`inputs: expected an object of named tensors, got ${describeValue(inputs)}`);
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
    if (!isPlainObject(tensor)) throw schemaError(`inputs.${spec.name}: expected a tensor { type, dims, data }, got ${describeValue(tensor)}`);
    const { type, dims, data } = tensor;
    if (typeof type !== 'string' || type !== spec.type) throw schemaError(`inputs.${spec.name}.type: expected ${spec.type}, got ${typeof type === 'string' ? type : describeValue(type)}`);
    if (!isTypedTensorType(type)) throw schemaError(`inputs.${spec.name}.type: ${type} tensors are not supported`);
    const badDims = dimsProblem(dims);
    if (badDims) throw schemaError(`inputs.${spec.name}.dims: ${badDims}`);
    const shape = dims as readonly number[];
    const badShape = shapeProblem(shape, spec.shape);
    if (badShape) throw schemaError(`inputs.${spec.name}.dims: ${badShape}`);
    if (!isTypedData(type, data)) throw schemaError(`inputs.${spec.name}.data: a ${type} tensor takes ${TYPED_DATA_OF[type]}, got ${describeValue(data)}`);
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
    if (!tensor) throw schemaError(`${where}.${spec.name}: missing input`);
    if (tensor.type !== spec.type) throw schemaError(`${where}.${spec.name}.type: expected ${spec.type}, got ${tensor.type}`);
    const badShape = shapeProblem(tensor.dims, spec.shape);
    if (badShape) throw schemaError(`${where}.${spec.name}.dims: ${badShape}`);
    const problem = tensorProblem(tensor);
    if (problem) throw schemaError(`${where}.${spec.name}: ${problem}`);
  }
  return inputs;
}

function rejectUnknownNames(inputs: object, specs: readonly IoSpec[], where: string): void {
  const problem = unknownInputProblem(inputs, specs, where);
  if (problem) throw schemaError(problem);
}

/** null when every name in `inputs` is a model input, else the refusal naming the first that is not. */
export function unknownInputProblem(inputs: object, specs: readonly IoSpec[], where: string): string | null {
  for (const name of Object.keys(inputs)) {
    if (!specs.some((spec) => spec.name === name)) return `${where}.${name}: unknown input (expected ${specs.map((spec) => spec.name).join(', ')})`;
  }
  return null;
}

/** Rank must match; numeric dims must match exactly; symbolic (string) dims accept any size. */
export function shapeProblem(dims: readonly number[], shape: IoSpec['shape']): string | null {
  if (dims.length !== shape.length) return `rank ${dims.length} does not match the model's rank ${shape.length}`;
  for (let i = 0; i < shape.length; i++) {
    const want = shape[i];
    if (typeof want === 'number' && want > 0 && dims[i] !== want) return `dimension ${i} is ${dims[i]}, the model needs ${want}`;
  }
  return null;
}

/** What a refused value was, for messages ("got an array"). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'string') return `a string`;
  return typeof value === 'object' ? 'an object' : typeof value;
}
