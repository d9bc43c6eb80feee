/**
 * The hub's one error family (STYLE "Boundaries and errors"): a string code callers switch on and
 * a message people read. The HTTP layer maps codes to status in a single onError.
 */
export const HUB_ERROR_CODES = [
  'E_VALIDATION',
  'E_UNAUTHORIZED',
  'E_FORBIDDEN',
  'E_NOT_FOUND',
  'E_CONFLICT',
  /** a model version or dataset archived: kept, but refused for new use until unarchived */
  'E_ARCHIVED',
  /** a model version or dataset something still needs (devices, rollouts, lineage, runs): not deleted */
  'E_IN_USE',
  'E_TOO_LARGE',
  /** a signed document (deployment doc, release manifest) larger than devices accept (protocol doc-limits.ts) */
  'E_DOC_TOO_LARGE',
  'E_INVALID_MODEL',
  /** a model that needs more memory or time to load or run than the hub allows models (its sandbox's limits) */
  'E_MODEL_RESOURCES',
  /** a model whose tensors keep their data in files beside it: only self-contained .onnx files are taken */
  'E_EXTERNAL_DATA',
  'E_PROBE_FAILED',
  /** a derived version (quantized, retrained) refused because it is worse than allowed */
  'E_QUALITY_GATE',
  /** the external broker refused or did not answer a provisioning command (nothing was stored) */
  'E_BROKER',
  /** a trust document that does not follow the hub's newest one (version, or the root signatures it needs) */
  'E_ROOT_CHAIN',
  /** a trust document naming no release key the hub holds (it could sign nothing devices would take) */
  'E_NO_RELEASE_KEY',
  /** the hub is at its limit of this kind of work (dataset parsing): retry after `details.retryAfterS` (the Retry-After header) */
  'E_UNAVAILABLE',
  /** a stored content-addressed file no longer has the hash it is named by: not served until repaired (same bytes uploaded again) */
  'E_ARTIFACT_CORRUPT',
  'E_INTERNAL',
] as const;
export type HubErrorCode = (typeof HUB_ERROR_CODES)[number];

export class HubError extends Error {
  readonly code: HubErrorCode;
  readonly details: unknown;

  constructor(code: HubErrorCode, message: string, options?: { cause?: unknown; details?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HubError';
    this.code = code;
    this.details = options?.details;
  }
}

export const notFound = (what: string): HubError => new HubError('E_NOT_FOUND', `${what} not found`);
export const conflict = (message: string): HubError => new HubError('E_CONFLICT', message);
export const validation = (message: string, details?: unknown): HubError => new HubError('E_VALIDATION', message, { details });
