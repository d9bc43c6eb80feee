/**
 * Dynamic int8 (ML.md: the default for MLP-like models): weights 8-bit at export, activations
 * quantized per call by DynamicQuantizeLinear, MatMul computed by MatMulInteger. Gemm with a
 * constant B is first rewritten to MatMul + Add. Subgraphs (If/Loop/Scan bodies) included.
 * Weights are stored as uint8 (symmetric, zero point 128: U8U8), not int8: onnxruntime's u8s8
 * kernels on AVX2 CPUs without VNNI saturate with full-range int8 weights (symmetric-int8.ts).
 */
import type { NodeProto } from 'onnx-buf';
import { addQuantizedWeight } from './dequantized-weight';
import { dynamicMatMul, type ActivationCache } from './dynamic-matmul';
import { dropReplacedGemmConstants, gemmToMatMul } from './gemm-to-matmul';
import { collectScopes, removeIfUnused, resolveConstant, type ConstantRef, type Scope } from './graph-scope';
import { decodeModel, encodeModel } from './model-codec';
import { nameAllocator, type NameAllocator } from './name-allocator';
import { QuantizeError } from './quantize-error';
import { countNode, emptyDraft, finish, type QuantizeResult, type ReportDraft } from './quantize-report';
import { requireOpset } from './require-opset';
import { elementCount, readFloats } from './tensor-data';
import { TensorProto_DataType } from 'onnx-buf';

export interface DynamicOptions {
  /** One weight scale per output column instead of one per tensor. Default false (the reference tool's default). */
  perChannel?: boolean;
}

/** DynamicQuantizeLinear exists from opset 11 (MatMulInteger from 10). */
const DYNAMIC_OPSET = 11;

function rewriteGemms(scope: Scope, names: NameAllocator, draft: ReportDraft, fromGemm: Set<NodeProto>): void {
  const rewritten: NodeProto[] = [];
  const next: NodeProto[] = [];
  for (const node of scope.graph.node) {
    if (node.opType !== 'Gemm' || node.domain !== '') {
      next.push(node);
      continue;
    }
    const result = gemmToMatMul(node, scope, names);
    if (!result.ok) {
      draft.skipped.push(result.skipped);
      next.push(node);
      continue;
    }
    fromGemm.add(result.matmul);
    rewritten.push(node);
    next.push(...result.nodes);
  }
  scope.graph.node = next;
  for (const gemm of rewritten) dropReplacedGemmConstants(scope, gemm);
}

function quantizeMatMuls(scope: Scope, options: DynamicOptions, names: NameAllocator, draft: ReportDraft, fromGemm: Set<NodeProto>): void {
  const cache: ActivationCache = new Map();
  const next: NodeProto[] = [];
  const replacedWeights: ConstantRef[] = [];
  for (const node of scope.graph.node) {
    const what = node.name || node.opType;
    if (node.domain !== '' || (node.opType !== 'MatMul' && node.opType !== 'Conv')) {
      next.push(node);
      continue;
    }
    if (node.opType === 'Conv') {
      draft.skipped.push({ what, opType: 'Conv', graph: scope.path, reason: 'dynamic mode quantizes MatMul/Gemm only (use static or weights-only for Conv)' });
      next.push(node);
      continue;
    }
    const weight = resolveConstant(scope, node.input[1] ?? '');
    const isMatrix = weight !== undefined && weight.tensor.dims.length === 2 && readFloats(weight.tensor) !== undefined;
    // MatMulInteger (fused to DynamicQuantizeMatMul) multiplies B by uint8 activations: uint8 B.
    const quantized = isMatrix ? addQuantizedWeight(weight, { axis: options.perChannel ? 1 : undefined, zeroPoint: true, encoding: 'uint8' }, names, draft) : undefined;
    if (!weight || !quantized) {
      draft.skipped.push({ what, opType: 'MatMul', graph: scope.path, reason: 'B is not a constant 2-D float tensor' });
      next.push(node);
      continue;
    }
    next.push(...dynamicMatMul(node, quantized, cache, names));
    replacedWeights.push(weight);
    countNode(draft, fromGemm.has(node) ? 'Gemm' : 'MatMul');
  }
  scope.graph.node = next;
  for (const weight of replacedWeights) removeIfUnused(weight);
}

/** Elements of float constants (initializers and Constant nodes) across every graph. */
function floatConstantElements(scopes: Scope[]): number {
  let total = 0;
  for (const scope of scopes) {
    const names = [...scope.graph.initializer.map((tensor) => tensor.name), ...scope.graph.node.filter((node) => node.opType === 'Constant').flatMap((node) => node.output.slice(0, 1))];
    for (const name of names) {
      const ref = resolveConstant(scope, name);
      if (ref && ref.owner === scope && ref.tensor.dataType === TensorProto_DataType.FLOAT) total += elementCount(ref.tensor);
    }
  }
  return total;
}

/**
 * Dynamic int8 only touches MatMul/Gemm. On a CNN whose weights sit in Conv layers it converts a
 * small head and leaves the rest float: the file barely shrinks and the compute is unchanged, a
 * result that is valid but not what anyone asking for int8 wanted (seen: 1.001x on a MobileNetV3
 * with one MatMul). Below half of the float weights converted, the report says so.
 */
const MIN_CONVERTED_SHARE = 0.5;

function coverageWarning(scopes: Scope[], floatElements: number, draft: ReportDraft, ratio: number): string | undefined {
  const converted = draft.weights.reduce((n, weight) => n + weight.elements, 0);
  const share = floatElements === 0 ? 1 : converted / floatElements;
  if (share >= MIN_CONVERTED_SHARE) return undefined;
  const found = inventory(scopes);
  const nodes = Object.values(draft.nodesQuantized).reduce((n, count) => n + count, 0);
  const percent = (value: number): string => `${(value * 100).toFixed(1)}%`;
  return `dynamic int8 converted ${nodes} MatMul/Gemm node(s) holding ${percent(share)} of the model's float weights (${converted} of ${floatElements}); the rest stays float${found['Conv'] ? ` (${found['Conv']} Conv node(s): dynamic mode never quantizes Conv)` : ''}, so the file is ${ratio.toFixed(3)}x the source and most compute is unchanged: use int8-static for a CNN, or int8-weight-only for size`;
}

/** Counts what a refusal should mention: the ops that could carry weights. */
function inventory(scopes: Scope[]): Record<string, number> {
  const found: Record<string, number> = {};
  for (const { graph } of scopes) for (const node of graph.node) if (['MatMul', 'Gemm', 'Conv'].includes(node.opType)) found[node.opType] = (found[node.opType] ?? 0) + 1;
  return found;
}

export function quantizeDynamic(modelBytes: Uint8Array, options: DynamicOptions = {}): QuantizeResult {
  const model = decodeModel(modelBytes);
  const scopes = collectScopes(model);
  const candidates = scopes.flatMap((scope) =>
    scope.graph.node.filter((node) => (node.opType === 'MatMul' || node.opType === 'Gemm') && resolveConstant(scope, node.input[1] ?? '') !== undefined),
  );
  if (candidates.length === 0) {
    const found = inventory(scopes);
    throw new QuantizeError('E_NOT_QUANTIZABLE', `dynamic: looked for MatMul/Gemm nodes with a constant float weight and found none (weight-bearing ops present: ${JSON.stringify(found)})`, { details: { found } });
  }
  const opset = requireOpset(model, DYNAMIC_OPSET, 'DynamicQuantizeLinear');
  const floatElements = floatConstantElements(scopes);
  const names = nameAllocator(model);
  const draft = emptyDraft();
  const fromGemm = new Set<NodeProto>();
  for (const scope of scopes) {
    rewriteGemms(scope, names, draft, fromGemm);
    quantizeMatMuls(scope, options, names, draft, fromGemm);
  }
  if (fromGemm.size > 0) draft.notes.push(`${fromGemm.size} Gemm node(s) rewritten to MatMul + Add before quantization`);
  if (Object.keys(draft.nodesQuantized).length === 0) {
    throw new QuantizeError('E_NOT_QUANTIZABLE', `dynamic: no MatMul/Gemm could be quantized: ${draft.skipped.map((s) => `${s.what}: ${s.reason}`).join('; ')}`, { details: { skipped: draft.skipped } });
  }
  const bytes = encodeModel(model);
  const warning = coverageWarning(collectScopes(model), floatElements, draft, bytes.length / modelBytes.length);
  if (warning !== undefined) draft.warnings.push(warning);
  return { model: bytes, report: finish('dynamic', draft, opset, modelBytes.length, bytes.length) };
}
