/**
 * The agent's prediction request format: the local /v1/predict body (the parsed JSON), checked
 * and converted in one pass, no schema library: shape, names, types, dims and every element
 * checked while the typed arrays are filled. Errors are AgentError E_SCHEMA naming the field
 * (`inputs.<name>.dims: ...`).
 *
 * The input rules themselves (names, types, ranks, fixed sizes, element counts) are the device
 * core's (tensors/input-check.ts), shared with the browser runtime; `checkTypedInputs` and
 * `checkInputs` here are those rules with their refusals as the AgentError the agent's callers
 * (the in-process API, the local API, probes and the shadow) have always received.
 */
import type { IoSpec, TensorJson } from '@edgefleet/protocol';
import {
  checkInputs as checkInputsRule,
  checkTypedInputs as checkTypedInputsRule,
  describeValue as describe,
  DeviceCoreError,
  dimsProblem,
  elementCount,
  isPlainObject,
  isTypedTensorType,
  shapeProblem,
  typedFromJson,
  unknownInputProblem,
  type TypedTensor,
} from '@edgefleet/device-core';
import { AgentError, toAgentError } from '../errors';

/** A request ready to run: typed tensors for onnxruntime, and the JSON it came from (statistics and shadow read that). */
export interface ParsedPredictBody {
  json: Record<string, TensorJson>;
  typed: Record<string, TypedTensor>;
  /** the request key: which version answers during a traffic ramp-up is sticky per key */
  key?: string;
}

/** Longest request key (a user or session id, a hash of one): it is hashed per request. */
export const MAX_PREDICT_KEY_LENGTH = 256;

const schemaError = (message: string): AgentError => new AgentError('E_SCHEMA', message);
const TENSOR_FIELDS: ReadonlySet<string> = new Set(['type', 'dims', 'data']);

/**
 * A request key as the caller gave it (`where`: how the refusal names it): absent, or a string of
 * 1 to MAX_PREDICT_KEY_LENGTH characters.
 */
export function checkPredictKey(key: unknown, where = 'key'): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== 'string') throw schemaError(`${where}: expected a string, got ${describe(key)}`);
  if (key.length === 0 || key.length > MAX_PREDICT_KEY_LENGTH) throw schemaError(`${where}: expected 1 to ${MAX_PREDICT_KEY_LENGTH} characters, got ${key.length}`);
  return key;
}

/**
 * The body's request key, checked before the inputs are: it decides which version answers
 * (traffic ramp-up), and the inputs are checked against that version's.
 */
export function predictKeyOf(body: unknown): string | undefined {
  if (!isPlainObject(body)) throw schemaError(`(root): expected an object { "inputs": { "<name>": { "dims", "data" } } }, got ${describe(body)}`);
  return checkPredictKey(body.key);
}

/**
 * The body `{ "inputs": { "<name>": { "type"?, "dims", "data" } }, "key"? }`, checked and converted in one
 * pass; `type` defaults to the model's (GET /v1/model lists them).
 */
export function parsePredictBody(body: unknown, specs: readonly IoSpec[]): ParsedPredictBody {
  const requestKey = predictKeyOf(body);
  if (!isPlainObject(body)) throw schemaError('(root): expected an object'); // predictKeyOf refused it already
  const inputs = body.inputs;
  if (!isPlainObject(inputs)) throw schemaError(`inputs: expected an object of named tensors, got ${inputs === undefined ? 'nothing' : describe(inputs)}`);
  for (const key in body) if (key !== 'inputs' && key !== 'key') throw schemaError(`${key}: unknown field (the body holds "inputs" and an optional "key")`);
  rejectUnknownNames(inputs, specs, 'inputs');
  const json: Record<string, TensorJson> = {};
  const typed: Record<string, TypedTensor> = {};
  for (const spec of specs) {
    const where = `inputs.${spec.name}`;
    const tensor = Object.hasOwn(inputs, spec.name) ? inputs[spec.name] : undefined;
    if (tensor === undefined) throw schemaError(`${where}: missing input`);
    if (!isPlainObject(tensor)) throw schemaError(`${where}: expected a tensor { "dims", "data" }, got ${describe(tensor)}`);
    for (const key in tensor) if (!TENSOR_FIELDS.has(key)) throw schemaError(`${where}.${key}: unknown field (a tensor has type, dims and data)`);
    const { dims, data } = tensor;
    // The model knows each input's type: a body may leave it out; one it names must be that one.
    const type = tensor.type === undefined ? spec.type : tensor.type;
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
  return requestKey === undefined ? { json, typed } : { json, typed, key: requestKey };
}

/** The body's inputs as JSON tensors, checked (what the local API took before it ran typed arrays). */
export function parsePredictInputs(body: unknown, specs: readonly IoSpec[]): Record<string, TensorJson> {
  return parsePredictBody(body, specs).json;
}

/** The device core's rule for typed inputs (see there); a refusal is the AgentError it names. */
export function checkTypedInputs(inputs: Readonly<Record<string, TypedTensor>>, specs: readonly IoSpec[]): Readonly<Record<string, TypedTensor>> {
  try {
    return checkTypedInputsRule(inputs, specs);
  } catch (error) {
    throw asAgentError(error);
  }
}

/** The device core's rule for JSON inputs (probes, shadow replays); a refusal is the AgentError it names. */
export function checkInputs(inputs: Record<string, TensorJson>, specs: readonly IoSpec[], where: string): Record<string, TensorJson> {
  try {
    return checkInputsRule(inputs, specs, where);
  } catch (error) {
    throw asAgentError(error);
  }
}

/** The core's refusals as AgentError (same code and message); anything else as it was thrown. */
const asAgentError = (error: unknown): unknown => (error instanceof DeviceCoreError ? toAgentError(error, 'E_SCHEMA') : error);

function rejectUnknownNames(inputs: object, specs: readonly IoSpec[], where: string): void {
  const problem = unknownInputProblem(inputs, specs, where);
  if (problem) throw schemaError(problem);
}
