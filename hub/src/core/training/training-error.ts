/**
 * Training's small error family: a string `code` and plain-JSON `details`. An aborted run throws
 * code 'E_ABORTED' with name 'AbortError', like fetch does, so generic abort handling works.
 */
export const TRAINING_ERROR_CODES = ['E_ABORTED', 'E_INVALID_DATA', 'E_INVALID_PARAMS', 'E_UNSUPPORTED_TASK', 'E_QUALITY_GATE'] as const;
export type TrainingErrorCode = (typeof TRAINING_ERROR_CODES)[number];

export class TrainingError extends Error {
  readonly code: TrainingErrorCode;
  readonly details: Readonly<Record<string, string | number | null>>;

  constructor(code: TrainingErrorCode, message: string, details: Readonly<Record<string, string | number | null>> = {}, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = code === 'E_ABORTED' ? 'AbortError' : 'TrainingError';
    this.code = code;
    this.details = details;
  }
}

export const invalidData = (message: string, details?: Readonly<Record<string, string | number | null>>): TrainingError => new TrainingError('E_INVALID_DATA', message, details);

/** Throws E_ABORTED when the signal has fired; trainers call it between batches. */
export function throwIfAborted(signal: AbortSignal | undefined, where: string): void {
  if (signal?.aborted === true) throw new TrainingError('E_ABORTED', `training aborted (${where})`, { where }, { cause: signal.reason });
}
