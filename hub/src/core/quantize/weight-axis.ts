/**
 * Which axis a weight's scales run along, from who reads it: Conv weights [M, C/group, k...] get
 * one scale per output channel (axis 0), MatMul weights [K, N] one per output column (axis 1);
 * anything else, or a tensor read by several kinds of consumer, gets one scale per tensor.
 */
import type { NodeProto } from 'onnx-buf';

export function weightAxis(consumers: ReadonlyArray<{ node: NodeProto; slot: number }>, rank: number): number | undefined {
  if (consumers.length === 0) return undefined;
  if (consumers.every(({ node, slot }) => node.opType === 'Conv' && slot === 1) && rank >= 2) return 0;
  if (consumers.every(({ node, slot }) => node.opType === 'MatMul' && slot === 1) && rank === 2) return 1;
  return undefined;
}
