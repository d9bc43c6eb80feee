/**
 * What static QDQ does to a model before it places any QuantizeLinear, in order: raise the
 * default opset to 13 (per-axis QuantizeLinear/DequantizeLinear; older ops rewritten, see
 * opset-upgrade.ts), fuse hard-swish written as four elementwise ops into HardSwish (raising the
 * opset to 14 for it, only when the model has one and the raise is safe: fuse-hard-swish.ts),
 * then fold every Conv -> BatchNormalization pair. Calibration targets are found on a model
 * prepared the same way, so the two always agree on tensor names (both passes keep the names of
 * the tensors they leave).
 */
import type { ModelProto } from 'onnx-buf';
import { foldBatchNorms } from './fold-batch-norm';
import { fuseHardSwishInModel } from './fuse-hard-swish';
import { nameAllocator, type NameAllocator } from './name-allocator';
import type { QuantizeReport } from './quantize-report';
import { requireOpset } from './require-opset';

export const STATIC_OPSET = 13;

export interface StaticPreparation {
  opset: QuantizeReport['opset'];
  foldedBatchNorms: number;
  fusedHardSwish: number;
  /** Fresh names over the prepared model, for the passes that follow. */
  names: NameAllocator;
}

/** Mutates `model`; E_UNSUPPORTED_OPSET when the opset cannot be raised to STATIC_OPSET. */
export function prepareForStatic(model: ModelProto): StaticPreparation {
  const opset = requireOpset(model, STATIC_OPSET, 'per-axis QuantizeLinear/DequantizeLinear');
  const names = nameAllocator(model);
  const hardSwish = fuseHardSwishInModel(model, names);
  if (hardSwish.opset) {
    opset.after = hardSwish.opset.after;
    opset.upgraded ||= hardSwish.opset.upgraded;
  }
  return { opset, foldedBatchNorms: foldBatchNorms(model, names), fusedHardSwish: hardSwish.fused, names };
}
