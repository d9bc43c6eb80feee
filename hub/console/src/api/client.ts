/**
 * The one API client of the console: openapi-fetch over the generated `paths`, so every path,
 * parameter and response shape is the OpenAPI document's. Same-origin only: the session cookie
 * rides along, and state-changing requests carry the session's CSRF token.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

let csrfToken: string | null = null;
/** Called with the session's CSRF token after sign-in or on load; null after sign-out. */
export function useCsrfToken(token: string | null): void {
  csrfToken = token;
}

const unauthorizedListeners = new Set<() => void>();
/** `listener` runs when any call finds the session gone (expired, or signed out elsewhere). */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

const session: Middleware = {
  onRequest({ request }) {
    if (csrfToken && !['GET', 'HEAD', 'OPTIONS'].includes(request.method)) request.headers.set('X-CSRF-Token', csrfToken);
    return request;
  },
  onResponse({ response, request }) {
    if (response.status === 401 && !request.url.endsWith('/api/v1/session')) for (const listener of unauthorizedListeners) listener();
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: location.origin, credentials: 'same-origin' });
api.use(session);

export type Schemas = components['schemas'];
type ErrorBody = { error: { code: string; message: string; details?: unknown } };

/** What a failed call throws: the API's error code and message, shown to the admin as they are. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === 'object' && error !== null && 'code' in error && 'message' in error;
}

/** The data of an openapi-fetch result, or an ApiError with the hub's code and message. */
export function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const body = result.error;
    if (isErrorBody(body)) throw new ApiError(result.response.status, body.error.code, body.error.message, body.error.details);
    throw new ApiError(result.response.status, `HTTP_${result.response.status}`, `${result.response.status} ${result.response.statusText}`);
  }
  return result.data as T;
}

export const errorText = (error: unknown): string => (error instanceof ApiError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error));
