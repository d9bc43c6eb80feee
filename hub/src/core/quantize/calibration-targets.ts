/**
 * Which activations static QDQ needs ranges for: the data input (slot 0) of every Conv, MatMul
 * and Gemm whose weight is a constant float tensor, and the output of every such Conv (after
 * BatchNorm folding: see static-preparation.ts), because onnxruntime only fuses
 * DequantizeLinear -> Conv -> QuantizeLinear into QLinearConv: a Conv whose output stays float
 * runs in float between a DequantizeLinear and the next QuantizeLinear, slower than no int8 at
 * all. Those in the main graph can be calibrated (exposed as extra outputs); those inside
 * If/Loop/Scan bodies cannot, and get weight-only. Every name is also a tensor of the original
 * model (folding keeps the BatchNormalization's output name), so calibration runs on the
 * original file. Ops that quantizeStatic may keep float (depthwise Convs, float-kept-ops.ts) are
 * calibrated too: a few unused ranges cost little, and the choice stays with the quantize call.
 */
import { clone } from '@bufbuild/protobuf';
import { ModelProtoSchema, type ModelProto, type NodeProto } from 'onnx-buf';
import { collectScopes, resolveConstant, type Scope } from './graph-scope';
import { prepareForStatic } from './static-preparation';
import { readFloats } from './tensor-data';

export const QDQ_OPS: ReadonlySet<string> = new Set(['Conv', 'MatMul', 'Gemm']);

export interface QdqCandidate {
  node: NodeProto;
  scope: Scope;
}

export function qdqCandidates(scopes: Scope[]): QdqCandidate[] {
  return scopes.flatMap((scope) =>
    scope.graph.node
      .filter((node) => node.domain === '' && QDQ_OPS.has(node.opType))
      .filter((node) => {
        const weight = resolveConstant(scope, node.input[1] ?? '');
        return weight !== undefined && readFloats(weight.tensor) !== undefined;
      })
      .map((node) => ({ node, scope })),
  );
}

export interface CalibrationTargets {
  /** Main-graph activations to calibrate (graph inputs included: their ranges come from the feeds). */
  calibratable: string[];
  /** Activations inside subgraphs: not observable from outside, so those nodes go weight-only. */
  unreachable: Array<{ tensor: string; graph: string }>;
}

/** Conv outputs that get a QuantizeLinear of their own (the ones that are not graph outputs). */
export function quantizedOutputOf(candidate: QdqCandidate): string | undefined {
  const { node, scope } = candidate;
  const output = node.output[0] ?? '';
  if (node.opType !== 'Conv' || output === '' || scope.graph.output.some((value) => value.name === output)) return undefined;
  return output;
}

/** `model` is not changed: the targets are found on a prepared copy. */
export function calibrationTargets(model: ModelProto): CalibrationTargets {
  const prepared = clone(ModelProtoSchema, model);
  prepareForStatic(prepared);
  const calibratable = new Set<string>();
  const unreachable: CalibrationTargets['unreachable'] = [];
  for (const candidate of qdqCandidates(collectScopes(prepared))) {
    const { node, scope } = candidate;
    const activation = node.input[0] ?? '';
    if (scope.parent !== undefined) {
      unreachable.push({ tensor: activation, graph: scope.path });
      continue;
    }
    calibratable.add(activation);
    const output = quantizedOutputOf(candidate);
    if (output !== undefined) calibratable.add(output);
  }
  return { calibratable: [...calibratable], unreachable };
}
