/**
 * Quantized ops need a minimum default-domain opset (DynamicQuantizeLinear: 11, MatMulInteger:
 * 10, per-axis QuantizeLinear/DequantizeLinear: 13). Raising a model's opset import is only safe
 * when no op it uses changed meaning in between, so this keeps, per op, the opset versions at
 * which its semantics or attributes changed incompatibly (from the ONNX Changelog; versions that
 * only add element types are not listed). An op that changed on the way is rewritten to its new
 * form when opset-rewrites.ts knows how (Clip, Slice, Softmax, Upsample, Dropout, ...); an op we
 * know nothing about, or one that changed with no rewrite, blocks the upgrade and is named.
 */
import type { ModelProto, NodeProto, TensorProto } from 'onnx-buf';
import { collectScopes, type Scope } from './graph-scope';
import { nameAllocator } from './name-allocator';
import { OPSET_REWRITES } from './opset-rewrites';

const BREAKING: Record<string, readonly number[]> = {
  Abs: [6], Add: [6, 7], And: [7], ArgMax: [], ArgMin: [], AveragePool: [], BatchNormalization: [6, 7, 9],
  Cast: [6], Ceil: [6], Clip: [6, 11], Concat: [4], Constant: [], ConstantOfShape: [], Conv: [], ConvTranspose: [],
  Div: [6, 7], Dropout: [6, 7, 10, 12], Elu: [6], Equal: [7], Erf: [], Exp: [6], Expand: [], Flatten: [], Floor: [6],
  Gather: [], Gemm: [6, 7], GlobalAveragePool: [], GlobalMaxPool: [], Greater: [7], HardSigmoid: [6], Identity: [],
  Hardmax: [13], LeakyRelu: [6], Less: [7], Log: [6], LogSoftmax: [13], MatMul: [], Max: [], MaxPool: [], Mean: [], Min: [],
  Mul: [6, 7], Neg: [6], Not: [], Or: [7], Pad: [11], Pow: [7], PRelu: [6, 7], Reciprocal: [6], ReduceMax: [],
  ReduceMean: [], ReduceMin: [], ReduceSum: [13], Relu: [6], Reshape: [5], Resize: [11], Selu: [6], Shape: [], Sigmoid: [6],
  Slice: [10], Softmax: [13], Split: [13], Sqrt: [6], Squeeze: [13], Sub: [6, 7], Sum: [6], Tanh: [6], Tile: [6],
  TopK: [10], Transpose: [], Unsqueeze: [13], Upsample: [10], Where: [],
};

const isDefaultDomain = (domain: string): boolean => domain === '' || domain === 'ai.onnx';

export function defaultOpset(model: ModelProto): number | undefined {
  const entry = model.opsetImport.find((opset) => isDefaultDomain(opset.domain));
  return entry === undefined ? undefined : Number(entry.version);
}

export type OpsetCheck =
  | { ok: true; before: number; after: number; upgraded: boolean }
  | { ok: false; before: number | undefined; reason: string };

/** Raises the default opset to `minimum` when that is provably harmless; mutates `model` only on success. */
interface PlannedRewrite {
  scope: Scope;
  node: NodeProto;
  nodes: NodeProto[];
  initializers: TensorProto[];
}

/** Raises the default opset to `minimum` when that is provably harmless (rewriting ops that changed on the way); mutates `model` only on success. */
export function ensureOpset(model: ModelProto, minimum: number, needFor: string): OpsetCheck {
  const before = defaultOpset(model);
  if (before === undefined) return { ok: false, before, reason: 'the model imports no default-domain opset' };
  if (before >= minimum) return { ok: true, before, after: before, upgraded: false };
  const blockers = new Set<string>();
  const planned: PlannedRewrite[] = [];
  const names = nameAllocator(model);
  for (const scope of collectScopes(model)) {
    for (const node of scope.graph.node) {
      if (!isDefaultDomain(node.domain)) continue;
      const breaking = BREAKING[node.opType];
      if (!breaking) {
        blockers.add(`${node.opType} (not known to be stable across opsets)`);
        continue;
      }
      const changes = breaking.filter((version) => version > before && version <= minimum);
      if (changes.length === 0) continue;
      const rewrite = OPSET_REWRITES[node.opType];
      const latest = Math.max(...changes);
      if (!rewrite || rewrite.through < latest) {
        blockers.add(`${node.opType} (changed at opset ${latest}, between opset ${before} and ${minimum}, and no conversion is known)`);
        continue;
      }
      const result = rewrite.rewrite(node, { scope, names, from: before });
      if (result.ok) planned.push({ scope, node, nodes: result.nodes, initializers: result.initializers });
      else blockers.add(`${node.opType} (${result.reason})`);
    }
  }
  if (blockers.size > 0) {
    return { ok: false, before, reason: `${needFor} needs opset >= ${minimum}, the model has ${before}, and raising it is unsafe because of ${[...blockers].join(', ')}` };
  }
  for (const { scope, node, nodes, initializers } of planned) {
    scope.graph.node = scope.graph.node.flatMap((current) => (current === node ? nodes : [current]));
    scope.graph.initializer.push(...initializers);
  }
  for (const opset of model.opsetImport) if (isDefaultDomain(opset.domain)) opset.version = BigInt(minimum);
  // Opset 13 needs IR version 7 (opset 11 needs 6): the IR only gained features in between.
  const minimumIr = minimum >= 13 ? 7n : 6n;
  if (model.irVersion < minimumIr) model.irVersion = minimumIr;
  return { ok: true, before, after: minimum, upgraded: true };
}
