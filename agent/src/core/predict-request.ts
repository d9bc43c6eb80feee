/**
 * Validation of a local /v1/predict body against the serving release's declared inputs. Pure:
 * the HTTP adapter hands in the parsed JSON, this returns typed tensors or an E_SCHEMA error
 * whose message names the field.
 */
import { describeIssues, tensorJsonSchema, type IoSpec, type TensorJson } from '@edgefleet/protocol';
import { z } from 'zod';
import { AgentError } from '../errors';
import { tensorProblem } from './tensors';

const predictBodySchema = z.strictObject({ inputs: z.record(z.string(), tensorJsonSchema) });

export function parsePredictInputs(body: unknown, specs: readonly IoSpec[]): Record<string, TensorJson> {
  const parsed = predictBodySchema.safeParse(body);
  if (!parsed.success) throw new AgentError('E_SCHEMA', describeIssues(parsed.error));
  return checkInputs(parsed.data.inputs, specs, 'inputs');
}

/** Shared with the probe: the same rules apply to golden inputs from a manifest. */
export function checkInputs(inputs: Record<string, TensorJson>, specs: readonly IoSpec[], where: string): Record<string, TensorJson> {
  const known = new Map(specs.map((spec) => [spec.name, spec]));
  for (const name of Object.keys(inputs)) {
    if (!known.has(name)) throw new AgentError('E_SCHEMA', `${where}.${name}: unknown input (expected ${[...known.keys()].join(', ')})`);
  }
  for (const spec of specs) {
    const tensor = inputs[spec.name];
    if (!tensor) throw new AgentError('E_SCHEMA', `${where}.${spec.name}: missing input`);
    if (tensor.type !== spec.type) throw new AgentError('E_SCHEMA', `${where}.${spec.name}.type: expected ${spec.type}, got ${tensor.type}`);
    const shapeProblem = checkShape(tensor.dims, spec.shape);
    if (shapeProblem) throw new AgentError('E_SCHEMA', `${where}.${spec.name}.dims: ${shapeProblem}`);
    const problem = tensorProblem(tensor);
    if (problem) throw new AgentError('E_SCHEMA', `${where}.${spec.name}: ${problem}`);
  }
  return inputs;
}

/** Rank must match; numeric dims must match exactly; symbolic (string) dims accept any size. */
function checkShape(dims: readonly number[], shape: IoSpec['shape']): string | null {
  if (dims.length !== shape.length) return `rank ${dims.length} does not match the model's rank ${shape.length}`;
  for (let i = 0; i < shape.length; i++) {
    const want = shape[i];
    if (typeof want === 'number' && want > 0 && dims[i] !== want) return `dimension ${i} is ${dims[i]}, the model needs ${want}`;
  }
  return null;
}
