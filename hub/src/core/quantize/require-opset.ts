/** ensureOpset as a refusal: the quantizer's passes either get the opset they need or throw E_UNSUPPORTED_OPSET. */
import type { ModelProto } from 'onnx-buf';
import { ensureOpset } from './opset-upgrade';
import { QuantizeError } from './quantize-error';
import type { QuantizeReport } from './quantize-report';

export function requireOpset(model: ModelProto, minimum: number, needFor: string): QuantizeReport['opset'] {
  const check = ensureOpset(model, minimum, needFor);
  if (!check.ok) throw new QuantizeError('E_UNSUPPORTED_OPSET', check.reason, { details: { opset: check.before, required: minimum } });
  return { before: check.before, after: check.after, upgraded: check.upgraded };
}
