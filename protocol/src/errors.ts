/**
 * Typed error codes shared by the hub, agents and browsers. The same strings appear in reported
 * state, events, HTTP errors and the console, so operators can grep one code end to end.
 */
export const ERROR_CODES = [
  'E_SIG_INVALID',
  'E_SIG_UNTRUSTED',
  'E_WRONG_TYPE',
  'E_EXPIRED',
  'E_ROLLBACK',
  'E_DOWNGRADE_NOT_AUTHORIZED',
  'E_HASH_MISMATCH',
  'E_LENGTH_MISMATCH',
  'E_TOO_LARGE',
  'E_SLOW_RETRIEVAL',
  'E_DOWNLOAD_FAILED',
  'E_NOT_FOR_DEVICE',
  'E_INCOMPATIBLE',
  'E_LOAD_FAILED',
  'E_PROBE_FAILED',
  'E_SCHEMA',
  'E_BAD_JSON',
  'E_BAD_PATH',
  'E_ROOT_CHAIN',
  'E_TRUST_STATE',
  'E_NO_MODEL',
  'E_INFERENCE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** The one error type of the protocol package: a code callers switch on, a message people read. */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProtocolError';
    this.code = code;
    this.details = options?.details;
  }
}
