/**
 * Folds an inference BatchNormalization into the Conv that feeds it, as onnxruntime's Python
 * quantizer does before QDQ (its pre-processing step): with s = scale / sqrt(var + epsilon),
 *   W'[m, ...] = W[m, ...] * s[m]      B'[m] = (B[m] - mean[m]) * s[m] + bias[m]
 * so Conv' computes exactly BN(Conv(X)) up to float rounding. Without the fold the int8 Conv's
 * output would have to leave the integer domain for the BN, and onnxruntime could not fuse it
 * into QLinearConv. Only folds when the Conv output has no other reader and every parameter is a
 * constant float tensor; the Conv takes the BN's output name, so nothing downstream changes.
 */
import { collectScopes, consumersDeep, countUses, removeIfUnused, resolveConstant, type Scope } from './graph-scope';
import type { ModelProto, NodeProto } from 'onnx-buf';
import type { NameAllocator } from './name-allocator';
import { dimsOf, floatTensor, readFloats } from './tensor-data';

const DEFAULT_EPSILON = 1e-5;

function constantFloats(scope: Scope, name: string | undefined): Float32Array | undefined {
  const ref = name === undefined || name === '' ? undefined : resolveConstant(scope, name);
  return ref ? readFloats(ref.tensor) : undefined;
}

function epsilonOf(node: NodeProto): number {
  const found = node.attribute.find((a) => a.name === 'epsilon');
  return found ? found.f : DEFAULT_EPSILON;
}

/** Folds one Conv -> BatchNormalization pair in place; false (nothing changed) when it does not apply. */
function foldPair(scope: Scope, conv: NodeProto, norm: NodeProto, names: NameAllocator): boolean {
  const weightName = conv.input[1] ?? '';
  const weightRef = resolveConstant(scope, weightName);
  const weight = weightRef ? readFloats(weightRef.tensor) : undefined;
  if (!weightRef || !weight) return false;
  const dims = dimsOf(weightRef.tensor);
  const channels = dims[0] ?? 0;
  const [, scaleName, shiftName, meanName, varianceName] = norm.input;
  const gamma = constantFloats(scope, scaleName);
  const beta = constantFloats(scope, shiftName);
  const mean = constantFloats(scope, meanName);
  const variance = constantFloats(scope, varianceName);
  const bias = conv.input[2] ? constantFloats(scope, conv.input[2]) : new Float32Array(channels);
  const params = [gamma, beta, mean, variance, bias];
  if (channels === 0 || params.some((p) => p === undefined || p.length !== channels)) return false;
  const epsilon = epsilonOf(norm);
  const factor = Float64Array.from({ length: channels }, (_, m) => (gamma?.[m] ?? 1) / Math.sqrt((variance?.[m] ?? 1) + epsilon));
  const perChannel = weight.length / channels;
  const folded = Float32Array.from(weight, (w, i) => w * (factor[Math.floor(i / perChannel)] ?? 1));
  const foldedBias = Float32Array.from({ length: channels }, (_, m) => ((bias?.[m] ?? 0) - (mean?.[m] ?? 0)) * (factor[m] ?? 1) + (beta?.[m] ?? 0));
  // Fresh tensors in the Conv's own graph: the originals may be shared with other readers.
  const foldedWeight = names.fresh(`${weightName}_bn_folded`);
  const foldedBiasName = names.fresh(`${conv.name || weightName}_bias_bn_folded`);
  scope.graph.initializer.push(floatTensor(foldedWeight, dims, folded), floatTensor(foldedBiasName, [channels], foldedBias));
  const replaced = [weightName, conv.input[2] ?? '', ...norm.input.slice(1)];
  conv.input = [conv.input[0] ?? '', foldedWeight, foldedBiasName];
  conv.output = [norm.output[0] ?? ''];
  scope.graph.node = scope.graph.node.filter((node) => node !== norm);
  for (const name of replaced) {
    const ref = name === '' ? undefined : resolveConstant(scope, name);
    if (ref) removeIfUnused(ref);
  }
  return true;
}

/** Folds every eligible Conv -> BatchNormalization pair in every graph of the model; returns how many. */
export function foldBatchNorms(model: ModelProto, names: NameAllocator): number {
  let folded = 0;
  for (const scope of collectScopes(model)) {
    for (const conv of [...scope.graph.node]) {
      if (conv.opType !== 'Conv' || conv.domain !== '') continue;
      const output = conv.output[0] ?? '';
      const readers = consumersDeep(scope.graph, output);
      const norm = readers[0]?.node;
      const isGraphOutput = scope.graph.output.some((value) => value.name === output);
      if (readers.length !== 1 || !norm || norm.opType !== 'BatchNormalization' || readers[0]?.slot !== 0 || isGraphOutput) continue;
      if (norm.output.slice(1).some((name) => name !== '' && countUses(scope.graph, name) > 0)) continue;
      if (foldPair(scope, conv, norm, names)) folded++;
    }
  }
  return folded;
}
