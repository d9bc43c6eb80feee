/**
 * The local inference API (CONTRACT "HTTP (agent, local)"), bound to 127.0.0.1 by default.
 * Built on Hono so tests drive it with app.request() and production serves it with node-server.
 * Web pages are kept out (core/local-access.ts): a foreign Host or Origin is refused with 403
 * before any route runs, and a POST must say `Content-Type: application/json` (415 otherwise),
 * which a page can only send cross-origin after a preflight the API answers for allowed origins only.
 */
import { serve } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AddressInfo } from 'node:net';
import type { TensorJson } from '@edgefleet/protocol';
import { checkAccess, DEFAULT_LOCAL_ACCESS, isJsonContentType, originAllowed, type LocalAccessPolicy } from '../core/local-access';
import type { ModelDescription } from '../core/model-description';
import { AgentError, type AgentErrorCode } from '../errors';
import type { LocalStatus } from '../hub-link';
import type { BatchApi } from '../batch/api';

export interface PredictResponse {
  model: string;
  version: string;
  outputs: Record<string, TensorJson>;
  /**
   * One per row of the batch (the inputs' first dimension): what a ground-truth label posted to
   * the hub later names the prediction by (protocol prediction-id.ts).
   */
  predictionIds: string[];
}

export interface LocalApiDeps {
  status(): LocalStatus;
  /** the serving model's inputs, outputs and an example body; throws AgentError E_NO_MODEL */
  model(): Promise<ModelDescription>;
  /**
   * validates `body` against the serving model (one pass into typed arrays, core/predict-request.ts:
   * E_SCHEMA naming the field) and runs it; throws AgentError
   */
  predict(body: unknown): Promise<PredictResponse>;
  /** which Host and Origin headers are accepted; default: loopback and 127.0.0.1, no origin */
  access?: LocalAccessPolicy;
  /** batch jobs (/v1/batch-jobs); without it those routes are 404 */
  batch?: BatchApi;
  /** counts POST /v1/predict requests in flight, from the route's start to the answer (batch jobs step aside for them) */
  live?: { enter(): () => void };
}

/** Refusals of the HTTP layer itself, before any route: never reported to the hub. */
type RequestRefusal = 'E_FORBIDDEN_HOST' | 'E_FORBIDDEN_ORIGIN' | 'E_UNSUPPORTED_MEDIA_TYPE';
const refusal = (c: Context, code: RequestRefusal, message: string, status: 403 | 415): Response => c.json({ error: { code, message } }, status);

const MAX_BODY_BYTES = 32 * 1024 * 1024;
export const SCHEMA_HINT = 'GET /v1/model describes the inputs and gives an example body';

const STATUS_OF: Partial<Record<AgentErrorCode, 400 | 413 | 500 | 503>> = {
  E_SCHEMA: 400,
  E_BAD_JSON: 400,
  E_TOO_LARGE: 413,
  E_NO_MODEL: 503,
};

export function createLocalApi(deps: LocalApiDeps): Hono {
  const app = new Hono();
  const access = deps.access ?? DEFAULT_LOCAL_ACCESS;
  app.use(async (c, next) => {
    const header = c.req.header('host');
    const urlHost = new URL(c.req.url).host;
    // An absolute-form request target names a host of its own, besides the header's.
    const hosts = header === undefined || header.toLowerCase() === urlHost.toLowerCase() ? [urlHost] : [header, urlHost];
    const origin = c.req.header('origin');
    const verdict = checkAccess({ hosts, origin }, access);
    if (!verdict.ok) return refusal(c, verdict.code, verdict.message, 403);
    if (origin !== undefined && originAllowed(origin, access)) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Vary', 'Origin');
      // The preflight of a JSON POST from an allowed page.
      if (c.req.method === 'OPTIONS') {
        c.header('Access-Control-Allow-Methods', 'GET, POST, DELETE');
        c.header('Access-Control-Allow-Headers', 'content-type');
        c.header('Access-Control-Max-Age', '600');
        return c.body(null, 204);
      }
    }
    if (c.req.method === 'POST' && !isJsonContentType(c.req.header('content-type'))) {
      return refusal(c, 'E_UNSUPPORTED_MEDIA_TYPE', `POST bodies must be sent with Content-Type: application/json (got ${JSON.stringify((c.req.header('content-type') ?? 'none').slice(0, 100))})`, 415);
    }
    await next();
  });
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/v1/status', (c) => c.json(deps.status()));
  app.get('/v1/model', async (c) => c.json(await deps.model()));
  app.post(
    '/v1/predict',
    async (_c, next) => {
      const leave = deps.live?.enter();
      try {
        await next();
      } finally {
        leave?.();
      }
    },
    bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => errorResponse(c, new AgentError('E_TOO_LARGE', `request body exceeds ${MAX_BODY_BYTES} bytes`)) }),
    async (c) => {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        throw new AgentError('E_BAD_JSON', 'request body is not valid JSON');
      }
      try {
        return c.json(await deps.predict(body));
      } catch (error) {
        // The request format is the model's: point at the route that shows it (and an example body).
        if (error instanceof AgentError && error.code === 'E_SCHEMA') throw new AgentError('E_SCHEMA', `${error.message} (${SCHEMA_HINT})`, { cause: error });
        throw error;
      }
    },
  );
  const batch = deps.batch;
  if (batch) {
    app.post('/v1/batch-jobs', bodyLimit({ maxSize: 64 * 1024, onError: (c) => errorResponse(c, new AgentError('E_TOO_LARGE', 'request body exceeds 65536 bytes')) }), async (c) => {
      let body: unknown;
      try {
        body = JSON.parse(await c.req.text());
      } catch {
        throw new AgentError('E_BAD_JSON', 'request body is not valid JSON');
      }
      const reply = await batch.submit(body);
      return c.json(reply.body, reply.status);
    });
    app.get('/v1/batch-jobs', (c) => {
      const reply = batch.list();
      return c.json(reply.body, reply.status);
    });
    app.get('/v1/batch-jobs/:id', (c) => {
      const reply = batch.get(c.req.param('id'));
      return c.json(reply.body, reply.status);
    });
    app.delete('/v1/batch-jobs/:id', async (c) => {
      const reply = await batch.cancel(c.req.param('id'));
      return c.json(reply.body, reply.status);
    });
  }
  app.notFound((c) => c.json({ error: { code: 'E_NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  // hono's single onError: every AgentError becomes { error: { code, message } } with its status.
  app.onError((error, c) => errorResponse(c, error instanceof AgentError ? error : new AgentError('E_INFERENCE', 'internal error', { cause: error })));
  return app;
}

function errorResponse(c: Context, error: AgentError): Response {
  return c.json({ error: { code: error.code, message: error.message } }, STATUS_OF[error.code] ?? 500);
}

export interface LocalServer {
  url: string;
  close(): Promise<void>;
}

export function serveLocalApi(app: Hono, host: string, port: number): Promise<LocalServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, (info: AddressInfo) => {
      server.off('error', reject);
      const shownHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${shownHost}:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            if ('closeAllConnections' in server) server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
    server.once('error', reject);
  });
}
