/**
 * The quantizer's small error family (STYLE "Boundaries and errors"): callers switch on `code`,
 * people read `message`, and `details` carries what was looked for and what was found.
 */
export type QuantizeErrorCode =
  /** Not an ONNX ModelProto, or one without a graph. */
  | 'E_INVALID_MODEL'
  /** Nothing the requested mode can convert (no constant float weights, no large initializer). */
  | 'E_NOT_QUANTIZABLE'
  /** The model's opset is too old for the quantized ops and cannot be raised safely. */
  | 'E_UNSUPPORTED_OPSET'
  /** Calibration ranges are missing or not finite. */
  | 'E_CALIBRATION';

export class QuantizeError extends Error {
  override readonly name = 'QuantizeError';
  readonly code: QuantizeErrorCode;
  readonly details: unknown;

  constructor(code: QuantizeErrorCode, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }
}
