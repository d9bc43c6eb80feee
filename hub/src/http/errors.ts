/** The single place that turns errors into HTTP responses: `{ error: { code, message, details? } }`. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import { HubError, type HubErrorCode } from '../core/errors';
import type { Logger } from '../adapters/logger';
import { DATASET_LIMIT_CODES, DatasetError } from '../core/datasets/dataset-error';
import { QuantizeError } from '../core/quantize/quantize-error';
import { TrainingError } from '../core/training/training-error';

export const STATUS_OF: Record<HubErrorCode, ContentfulStatusCode> = {
  E_VALIDATION: 400,
  E_UNAUTHORIZED: 401,
  E_FORBIDDEN: 403,
  E_NOT_FOUND: 404,
  E_CONFLICT: 409,
  E_ARCHIVED: 409,
  E_IN_USE: 409,
  E_TOO_LARGE: 413,
  E_DOC_TOO_LARGE: 422,
  E_INVALID_MODEL: 422,
  E_MODEL_RESOURCES: 422,
  E_EXTERNAL_DATA: 422,
  E_PROBE_FAILED: 422,
  E_QUALITY_GATE: 422,
  E_BROKER: 502,
  E_ROOT_CHAIN: 422,
  E_NO_RELEASE_KEY: 409,
  E_UNAVAILABLE: 503,
  E_ARTIFACT_CORRUPT: 503,
  E_INTERNAL: 500,
};

const CODE_OF_STATUS: Partial<Record<number, HubErrorCode>> = { 400: 'E_VALIDATION', 401: 'E_UNAUTHORIZED', 403: 'E_FORBIDDEN', 404: 'E_NOT_FOUND', 409: 'E_CONFLICT', 413: 'E_TOO_LARGE' };

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Finds a HubError even when a stream pipeline wrapped it. */
function findHubError(error: unknown): HubError | null {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof HubError) return e;
  }
  return null;
}

/**
 * A request refused before its body was read (409 before an upload, 413 mid-stream) leaves
 * bytes on the wire; closing the connection stops clients from reusing a socket the server is
 * about to drop.
 */
function closeIfBodyUnread(c: Context, status: number): void {
  const hasBody = c.req.header('content-length') !== undefined && c.req.header('content-length') !== '0';
  if ((hasBody || c.req.header('transfer-encoding') !== undefined) && (!c.req.raw.bodyUsed || status === 413)) c.header('Connection', 'close');
}

/**
 * The pure cores keep their own error families (no HTTP in core/); their codes pass through
 * unchanged and only the status is decided here.
 */
function domainStatus(error: unknown): { code: string; message: string; details: unknown; status: ContentfulStatusCode } | null {
  if (error instanceof DatasetError) {
    const status = DATASET_LIMIT_CODES.has(error.code) ? 413 : 400;
    return { code: error.code, message: error.message, details: error.details, status };
  }
  if (error instanceof TrainingError) return { code: error.code, message: error.message, details: error.details, status: error.code === 'E_ABORTED' ? 409 : 400 };
  if (error instanceof QuantizeError) return { code: error.code, message: error.message, details: error.details, status: 422 };
  return null;
}

/**
 * 5xx answers the hub gives on purpose and tells of elsewhere: a corrupt file is logged and
 * audited once by the integrity events, a full worker queue is load to retry after. A fleet
 * retrying either would otherwise write one error line per request.
 */
const DELIBERATE: ReadonlySet<HubErrorCode> = new Set(['E_ARTIFACT_CORRUPT', 'E_UNAVAILABLE']);

export function handleError(error: unknown, c: Context, logger: Logger): Response {
  const domain = domainStatus(error);
  if (domain) {
    closeIfBodyUnread(c, domain.status);
    return c.json(errorBody(domain.code, domain.message, domain.details), domain.status);
  }
  const hubError = findHubError(error);
  if (hubError) {
    const status = STATUS_OF[hubError.code];
    if (status >= 500 && !DELIBERATE.has(hubError.code)) logger.error('request failed', { method: c.req.method, path: c.req.path, error: hubError.message });
    closeIfBodyUnread(c, status);
    const retryAfterS = (hubError.details as { retryAfterS?: unknown } | undefined)?.retryAfterS;
    if (typeof retryAfterS === 'number') c.header('Retry-After', String(Math.ceil(retryAfterS)));
    return c.json(errorBody(hubError.code, hubError.message, hubError.details), status);
  }
  if (error instanceof HTTPException) {
    const code = CODE_OF_STATUS[error.status] ?? 'E_INTERNAL';
    return c.json(errorBody(code, error.message || code), error.status >= 400 && error.status < 600 ? (error.status as ContentfulStatusCode) : 500);
  }
  // Unknown errors: log the detail, tell the caller nothing about internals.
  logger.error('request failed', { method: c.req.method, path: c.req.path, error: error instanceof Error ? error.message : String(error) });
  return c.json(errorBody('E_INTERNAL', 'internal error'), 500);
}
