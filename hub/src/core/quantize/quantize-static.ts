/**
 * Static int8 in QDQ form (ML.md: the default for CNNs). The model is first prepared
 * (static-preparation.ts: opset raised to 13, written-out hard-swish fused, BatchNormalization
 * folded into Conv). Then for every
 * Conv / MatMul / Gemm with a constant float weight in the main graph whose input X has a
 * calibrated range:
 *   X -> QuantizeLinear -> DequantizeLinear (asymmetric uint8 by default, or int8, from the range)
 *   Conv output Y (when calibrated and not a graph output) -> QuantizeLinear -> DequantizeLinear,
 *        read by every consumer of Y: onnxruntime fuses DQ -> Conv -> Q into QLinearConv only
 *        with that Q; without it the Conv ran in float between two conversions (2x slower than
 *        fp32 on a MobileNet)
 *   W -> 8-bit symmetric per channel (Conv axis 0, MatMul [K,N] axis 1, Gemm axis 0 if transB else 1),
 *        stored as uint8 with zero point 128 (or 7-bit int8 with int8 activations), never
 *        full-range int8: onnxruntime runs these nodes in integer kernels that saturate with
 *        it on AVX2 CPUs (symmetric-int8.ts)
 *   bias (Conv / Gemm input C, used only there) -> int32, scale x_scale * w_scale
 * Depthwise Convs are left float, weight included (option `depthwise`, float-kept-ops.ts): in
 * onnxruntime 1.30 on x86 their int8 kernel is several times slower than the float one.
 * Nodes inside If/Loop/Scan bodies, and nodes whose X has no range, fall back to weight-only,
 * as does every other large float constant; the report lists each with the reason.
 */
import type { NodeProto } from 'onnx-buf';
import type { ActivationType } from './activation-params';
import { activationQdq, type ActivationQdq } from './activation-qdq';
import { quantizeBiasInPlace } from './bias-int32';
import type { CalibrationRanges } from './calibrate';
import { qdqCandidates, quantizedOutputOf, type QdqCandidate } from './calibration-targets';
import { dequantizeInPlace } from './dequantized-weight';
import { floatKeptReason, type DepthwisePolicy } from './float-kept-ops';
import { collectScopes, consumersOf, countUses, resolveConstant } from './graph-scope';
import { decodeModel, encodeModel } from './model-codec';
import type { NameAllocator } from './name-allocator';
import { floatAttributeOf, intAttributeOf } from './node-factory';
import { QuantizeError } from './quantize-error';
import { countNode, emptyDraft, finish, type QuantizeResult, type ReportDraft } from './quantize-report';
import { dequantizeLargeConstants } from './quantize-weights-only';
import { prepareForStatic } from './static-preparation';
import type { WeightEncoding } from './symmetric-int8';

export interface StaticOptions {
  /**
   * Activation element type (asymmetric). Default 'uint8', with uint8 weights (U8U8): exact on
   * every CPU. 'int8' (ORT's QDQ default, S8S8) pairs with 7-bit weights: half the weight
   * precision, faster u8s8 kernels on x86 (symmetric-int8.ts).
   */
  activationType?: ActivationType;
  /** Per-channel weight scales. Default true. */
  perChannel?: boolean;
  /** Weight-only fallback threshold for other float constants. Default 1024 elements. */
  minElements?: number;
  /**
   * Depthwise Convs: 'float' (default) leaves them, and their weights, in float, because
   * onnxruntime's int8 depthwise kernel is slower than its float one (float-kept-ops.ts);
   * 'int8' quantizes them like every other Conv.
   */
  depthwise?: DepthwisePolicy;
  /**
   * Activation tensors to leave float (no QuantizeLinear on them): a node reading one runs in
   * float with its weight dequantized, a Conv writing one gets no output QDQ. The accuracy
   * fallback (services/quantize/quantize-fallback.ts) names the activations whose quantization hurts the
   * outputs most.
   */
  keepFloat?: readonly string[];
}

function weightAxisFor(node: NodeProto, rank: number): number | undefined {
  if (node.opType === 'Conv') return 0;
  if (node.opType === 'Gemm') return intAttributeOf(node, 'transB', 0) !== 0 ? 0 : 1;
  return rank === 2 ? 1 : undefined;
}

function checkRange(tensor: string, range: { min: number; max: number }): void {
  if (!Number.isFinite(range.min) || !Number.isFinite(range.max) || range.min > range.max) {
    throw new QuantizeError('E_CALIBRATION', `calibration range for ${tensor} is not a finite [min, max]: [${range.min}, ${range.max}]`, { details: { tensor, range } });
  }
}

interface StaticContext {
  /** The calibrated ranges minus the keepFloat tensors. */
  calibration: CalibrationRanges;
  keptFloat: ReadonlySet<string>;
  activationType: ActivationType;
  perChannel: boolean;
  names: NameAllocator;
  draft: ReportDraft;
  /** Per activation name, its QDQ pair (one per tensor, shared by all consumers). */
  activations: Map<string, ActivationQdq>;
  /** Weight name -> its scales, once converted. */
  weights: Map<string, Float32Array>;
  /**
   * Weights read by at least one node that gets an activation QDQ pair: onnxruntime fuses those
   * into QLinearConv / QGemm / QLinearMatMul, integer kernels, so they must not be full-range
   * int8 (AVX2's saturating `vpmaddubsw`: symmetric-int8.ts). Weights of nodes left weight-only
   * are dequantized to float and stay full-range int8.
   */
  integerWeights: ReadonlySet<string>;
}

/**
 * The weight encoding that pairs with the activation type in an integer kernel: uint8 weights
 * with uint8 activations (U8U8: exact everywhere, full precision); with int8 activations, 7-bit
 * int8 weights, because onnxruntime only fuses int8 activations with int8 weights (S8S8; on x86
 * the activations become uint8 and the kernel u8s8, where |q| <= 64 cannot saturate).
 */
function integerWeightEncoding(activationType: ActivationType): WeightEncoding {
  return activationType === 'uint8' ? 'uint8' : 'int7';
}

/** Main-graph nodes whose input has a calibrated range: they get QDQ and so integer kernels. */
function getsActivationQdq({ node, scope }: QdqCandidate, calibration: CalibrationRanges): boolean {
  return scope.parent === undefined && calibration[node.input[0] ?? ''] !== undefined;
}

/** The QDQ nodes a candidate adds, to be placed right before and right after it. */
interface Inserted {
  before: NodeProto[];
  after: NodeProto[];
}

/** The activation's shared QDQ pair, and its nodes when this call created it. */
function pairFor(ctx: StaticContext, candidate: QdqCandidate, tensor: string, range: { min: number; max: number }): { qdq: ActivationQdq; created: NodeProto[] } {
  const existing = ctx.activations.get(tensor);
  if (existing) return { qdq: existing, created: [] };
  checkRange(tensor, range);
  const qdq = activationQdq(candidate.scope.graph, tensor, range, ctx.activationType, ctx.names);
  ctx.activations.set(tensor, qdq);
  ctx.draft.activations.push({ tensor, ...range, scale: qdq.params.scale, zeroPoint: qdq.params.zeroPoint, type: qdq.params.type });
  return { qdq, created: qdq.nodes };
}

/** Quantizes the Conv's output Y: every reader of Y in its graph reads the dequantized copy. */
function quantizeOutput(candidate: QdqCandidate, ctx: StaticContext): NodeProto[] {
  const output = quantizedOutputOf(candidate);
  const range = output === undefined ? undefined : ctx.calibration[output];
  if (output === undefined || range === undefined) return [];
  const { qdq, created } = pairFor(ctx, candidate, output, range);
  const quantize = qdq.nodes[0];
  for (const { node, slot } of consumersOf(candidate.scope.graph, output)) if (node !== quantize) node.input[slot] = qdq.dequantized;
  return created;
}

/** Returns the QDQ nodes to insert around `node` (empty when none are new); rewires node in place. */
function quantizeCandidate(candidate: QdqCandidate, ctx: StaticContext): Inserted {
  const { node, scope } = candidate;
  const none: Inserted = { before: [], after: [] };
  const what = node.name || node.opType;
  const activation = node.input[0] ?? '';
  const range = ctx.calibration[activation];
  const weightName = node.input[1] ?? '';
  const weight = resolveConstant(scope, weightName);
  if (!weight) return none;
  const axis = ctx.perChannel ? weightAxisFor(node, weight.tensor.dims.length) : undefined;
  const known = ctx.weights.get(weightName);
  const encoding = ctx.integerWeights.has(weightName) ? integerWeightEncoding(ctx.activationType) : 'int8';
  const weightScales = known ?? dequantizeInPlace(weight, { axis, zeroPoint: true, encoding }, ctx.names, ctx.draft);
  if (!weightScales) return none;
  ctx.weights.set(weightName, weightScales);
  if (!getsActivationQdq({ node, scope }, ctx.calibration) || range === undefined) {
    const reason =
      scope.parent !== undefined
        ? `inside ${scope.path}: its input cannot be exposed for calibration, weight-only`
        : ctx.keptFloat.has(activation)
          ? `input ${activation} kept float on request (keepFloat), weight-only`
          : `no calibration range for ${activation}, weight-only`;
    ctx.draft.skipped.push({ what, opType: node.opType, graph: scope.path, reason });
    return none;
  }
  const { qdq, created } = pairFor(ctx, candidate, activation, range);
  node.input[0] = qdq.dequantized;
  countNode(ctx.draft, node.opType);
  const biasName = node.opType === 'MatMul' ? '' : (node.input[2] ?? '');
  const bias = biasName === '' ? undefined : resolveConstant(scope, biasName);
  const biasAllowed = node.opType === 'Conv' || floatAttributeOf(node, 'beta', 1) === 1;
  if (bias && biasAllowed && countUses(bias.owner.graph, biasName) === 1 && quantizeBiasInPlace(bias, qdq.params.scale, weightScales, ctx.names)) {
    ctx.draft.initializersConverted++;
  } else if (biasName !== '') {
    ctx.draft.skipped.push({ what: biasName, opType: node.opType, graph: scope.path, reason: 'bias left float (shared, computed, scaled by beta, or not 1-D)' });
  }
  return { before: created, after: quantizeOutput(candidate, ctx) };
}

/** Candidates the policy quantizes, and those it keeps float with the reason. */
function splitByPolicy(all: QdqCandidate[], depthwise: DepthwisePolicy): { candidates: QdqCandidate[]; kept: Array<QdqCandidate & { reason: string }> } {
  const candidates: QdqCandidate[] = [];
  const kept: Array<QdqCandidate & { reason: string }> = [];
  for (const candidate of all) {
    const reason = floatKeptReason(candidate.node, candidate.scope, depthwise);
    if (reason === undefined) candidates.push(candidate);
    else kept.push({ ...candidate, reason });
  }
  return { candidates, kept };
}

export function quantizeStatic(modelBytes: Uint8Array, calibration: CalibrationRanges, options: StaticOptions = {}): QuantizeResult {
  const model = decodeModel(modelBytes);
  if (qdqCandidates(collectScopes(model)).length === 0) {
    throw new QuantizeError('E_NOT_QUANTIZABLE', 'static: looked for Conv/MatMul/Gemm nodes with a constant float weight and found none (try weights-only for other ops)');
  }
  const { opset, foldedBatchNorms, fusedHardSwish, names } = prepareForStatic(model);
  // Preparation replaced nodes and weights: find the candidates again on the prepared graphs.
  const scopes = collectScopes(model);
  const { candidates, kept } = splitByPolicy(qdqCandidates(scopes), options.depthwise ?? 'float');
  const keptFloat = new Set(options.keepFloat ?? []);
  const quantizable = Object.fromEntries(Object.entries(calibration).filter(([tensor]) => !keptFloat.has(tensor)));
  const ctx: StaticContext = {
    calibration: quantizable,
    keptFloat,
    activationType: options.activationType ?? 'uint8',
    perChannel: options.perChannel ?? true,
    names,
    draft: emptyDraft(),
    activations: new Map(),
    weights: new Map(),
    integerWeights: new Set(candidates.filter((candidate) => getsActivationQdq(candidate, quantizable)).map(({ node }) => node.input[1] ?? '')),
  };
  if (fusedHardSwish > 0) ctx.draft.notes.push(`${fusedHardSwish} hard-swish(es) written as Add/Clip/Mul/Div fused into HardSwish (opset ${opset.after})`);
  if (foldedBatchNorms > 0) ctx.draft.notes.push(`${foldedBatchNorms} BatchNormalization node(s) folded into the Conv before them`);
  for (const { node, scope, reason } of kept) ctx.draft.skipped.push({ what: node.name || node.opType, opType: node.opType, graph: scope.path, reason });
  if (keptFloat.size > 0) ctx.draft.notes.push(`${keptFloat.size} activation(s) kept float on request: ${[...keptFloat].join(', ')}`);
  if (kept.length > 0) ctx.draft.notes.push(`${kept.length} depthwise Conv(s) kept float, weights included: faster than onnxruntime's int8 depthwise kernel`);
  // Convert first (weight DequantizeLinears go to the front of their graphs), then insert each
  // input's QDQ pair right before its first consumer and each Conv output's right after the Conv
  // (candidates are visited in graph order, so a producer claims a shared pair before its
  // readers), which keeps the graph sorted.
  const inserted = new Map<NodeProto, Inserted>();
  for (const candidate of candidates) inserted.set(candidate.node, quantizeCandidate(candidate, ctx));
  for (const { graph } of scopes) graph.node = graph.node.flatMap((node) => [...(inserted.get(node)?.before ?? []), node, ...(inserted.get(node)?.after ?? [])]);
  // Float-kept ops keep float weights: a weight behind a DequantizeLinear would cost them
  // onnxruntime's fast float layout (float-kept-ops.ts).
  const keepFloat = new Set(kept.map(({ node }) => node.input[1] ?? ''));
  const fallback = dequantizeLargeConstants(scopes, { minElements: options.minElements ?? 1024, perChannel: ctx.perChannel, keepFloat }, ctx.names, ctx.draft);
  if (fallback > 0) ctx.draft.notes.push(`${fallback} other large float constant(s) converted weight-only`);
  const bytes = encodeModel(model);
  return { model: bytes, report: finish('static', ctx.draft, opset, modelBytes.length, bytes.length) };
}
