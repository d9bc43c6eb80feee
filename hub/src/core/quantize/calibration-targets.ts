/**
 * Which activations static QDQ needs ranges for: the data input (slot 0) of every Conv, MatMul
 * and Gemm whose weight is a constant float tensor. Those in the main graph can be calibrated
 * (exposed as extra outputs); those inside If/Loop/Scan bodies cannot, and get weight-only.
 */
import type { ModelProto, NodeProto } from 'onnx-buf';
import { collectScopes, resolveConstant, type Scope } from './graph-scope';
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

export function calibrationTargets(model: ModelProto): CalibrationTargets {
  const calibratable = new Set<string>();
  const unreachable: CalibrationTargets['unreachable'] = [];
  for (const { node, scope } of qdqCandidates(collectScopes(model))) {
    const activation = node.input[0] ?? '';
    if (scope.parent === undefined) calibratable.add(activation);
    else unreachable.push({ tensor: activation, graph: scope.path });
  }
  return { calibratable: [...calibratable], unreachable };
}
