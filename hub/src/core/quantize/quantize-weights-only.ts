/**
 * Weight-only int8: every large float constant (initializer or Constant node, in the main graph
 * and in every If/Loop/Scan body) becomes int8 + DequantizeLinear. Compute stays float, so any
 * op can consume it (LSTM, GRU, Slice...); the file shrinks about 4x. Inference pays a
 * DequantizeLinear per call unless the session folds it (ML.md: session option
 * `disable_quant_qdq: '1'`).
 */
import { TensorProto_DataType } from 'onnx-buf';
import { collectScopes, consumersDeep, countUses, isOverridableInitializer, resolveConstant, type ConstantRef, type Scope } from './graph-scope';
import { dequantizeInPlace } from './dequantized-weight';
import { decodeModel, encodeModel } from './model-codec';
import { nameAllocator, type NameAllocator } from './name-allocator';
import { requireOpset } from './require-opset';
import { stripNodeNames } from './strip-node-names';
import { QuantizeError } from './quantize-error';
import { countNode, emptyDraft, finish, type QuantizeResult, type ReportDraft } from './quantize-report';

export type { QuantizeResult } from './quantize-report';
import { weightAxis } from './weight-axis';
import { elementCount } from './tensor-data';

export interface WeightsOnlyOptions {
  /** Float constants with fewer elements stay float (biases, norms, shapes). Default 1024. */
  minElements?: number;
  /** false = one scale per tensor everywhere. Default true (per channel for Conv / MatMul weights). */
  perChannel?: boolean;
  /** Also clear node names (labels only) to trim third-party files. Default false. */
  stripNodeNames?: boolean;
}

/** The float constants of one scope at or above `minElements`. */
function largeFloatConstants(scope: Scope, minElements: number): ConstantRef[] {
  const names = [
    ...scope.graph.initializer.map((tensor) => tensor.name),
    ...scope.graph.node.filter((node) => node.opType === 'Constant').flatMap((node) => node.output.slice(0, 1)),
  ];
  return names
    .map((name) => resolveConstant(scope, name))
    .filter((ref): ref is ConstantRef => ref !== undefined && ref.owner === scope)
    .filter((ref) => ref.tensor.dataType === TensorProto_DataType.FLOAT && elementCount(ref.tensor) >= minElements);
}

/**
 * The weight-only conversion of every large float constant in `scopes` that is still float:
 * shared with quantizeStatic, which falls back to it where activations cannot be calibrated.
 * `keepFloat` names constants to leave as they are: the weights of the ops static int8 keeps
 * float (float-kept-ops.ts).
 */
export function dequantizeLargeConstants(scopes: Scope[], settings: { minElements: number; perChannel: boolean; keepFloat?: ReadonlySet<string> }, names: NameAllocator, draft: ReportDraft): number {
  let converted = 0;
  for (const ref of scopes.flatMap((scope) => largeFloatConstants(scope, settings.minElements))) {
    if (settings.keepFloat?.has(ref.name)) continue;
    if (countUses(ref.owner.graph, ref.name) === 0) {
      draft.skipped.push({ what: ref.name, graph: ref.owner.path, reason: 'unused constant' });
      continue;
    }
    const consumers = consumersDeep(ref.owner.graph, ref.name);
    const axis = settings.perChannel ? weightAxis(consumers, ref.tensor.dims.length) : undefined;
    // Full-range int8: these weights are dequantized to float before any op reads them.
    if (!dequantizeInPlace(ref, { axis, zeroPoint: false, encoding: 'int8' }, names, draft)) {
      draft.skipped.push({ what: ref.name, graph: ref.owner.path, reason: 'tensor data is external or malformed' });
      continue;
    }
    converted++;
    for (const { node } of consumers) countNode(draft, node.opType);
  }
  return converted;
}

export function quantizeWeightsOnly(modelBytes: Uint8Array, options: WeightsOnlyOptions = {}): QuantizeResult {
  const settings = { minElements: options.minElements ?? 1024, perChannel: options.perChannel ?? true };
  const model = decodeModel(modelBytes);
  const draft = emptyDraft();
  const scopes = collectScopes(model);
  for (const scope of scopes) {
    for (const tensor of scope.graph.initializer) {
      if (isOverridableInitializer(scope.graph, tensor.name)) draft.skipped.push({ what: tensor.name, graph: scope.path, reason: 'initializer is also a graph input (a default the caller may override)' });
    }
  }
  if (!scopes.some((scope) => largeFloatConstants(scope, settings.minElements).length > 0)) {
    throw new QuantizeError('E_NOT_QUANTIZABLE', `weights-only: looked for float initializers or Constant tensors with >= ${settings.minElements} elements in ${scopes.length} graph(s) and found none`, {
      details: { minElements: settings.minElements, graphs: scopes.length },
    });
  }
  const opset = requireOpset(model, 13, 'per-axis DequantizeLinear');
  dequantizeLargeConstants(scopes, settings, nameAllocator(model), draft);
  if (options.stripNodeNames) draft.notes.push(`cleared ${stripNodeNames(model)} node names`);
  const bytes = encodeModel(model);
  return { model: bytes, report: finish('weights-only', draft, opset, modelBytes.length, bytes.length) };
}
