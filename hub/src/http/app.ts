/** The hub's HTTP app: public health and OpenAPI, admin API behind a bearer token, device routes. */
import { Hono } from 'hono';
import type { HubContext } from '../services/context';
import { requireAdmin, type AppEnv } from './auth';
import { errorBody, handleError } from './errors';
import { buildOpenApi, type RouteSpec } from './openapi';
import { alertSpecs, registerAlerts } from './routes/alerts';
import { brokerHookSpecs, registerBrokerHooks } from './routes/broker-hooks';
import { artifactSpecs, registerArtifacts } from './routes/artifacts';
import { deviceConfigSpecs, registerDeviceConfig } from './routes/device-config';
import { deviceReleaseSpecs, registerDeviceReleases } from './routes/device-releases';
import { registerTrust, trustSpecs } from './routes/trust';
import { driftSpecs, registerDrift } from './routes/drift';
import { feedbackSpecs, registerFeedback } from './routes/feedback';
import { datasetSpecs, registerDatasets } from './routes/datasets';
import { deviceSpecs, registerDevices } from './routes/devices';
import { enrolmentTokenSpecs, registerEnrolmentTokens } from './routes/enrolment-tokens';
import { adminTokenSpecs, registerAdminTokens } from './routes/admin-tokens';
import { healthSpecs, registerHealth } from './routes/health';
import { jobSpecs, registerJobs } from './routes/jobs';
import { modelSpecs, registerModels } from './routes/models';
import { operationSpecs, registerOperations } from './routes/operations';
import { quantizeSpecs, registerQuantize } from './routes/quantize';
import { derivedSpecs, registerDerived } from './routes/derived';
import { registerRollouts, rolloutSpecs } from './routes/rollouts';
import { registerShadow, shadowSpecs } from './routes/shadow';
import { registerTrainingRuns, trainingRunSpecs } from './routes/training-runs';
import { registerSession, SESSION_PATH, sessionSpecs } from './routes/session';
import { registerStream, streamSpecs } from './routes/stream';
import { overviewSpecs, registerOverview } from './routes/overview';
import { consoleSpecs, registerConsole } from './routes/console';
import { registerWebRuntime, webRuntimeSpecs } from './routes/web-runtime';
import { registerWebPage, webPageSpecs } from './routes/web-page';
import { DEFAULT_CONSOLE_DIR } from '../console/build';

export const OPENAPI_PATH = '/api/v1/openapi.json';

const openApiSpecs: RouteSpec[] = [{ method: 'get', path: OPENAPI_PATH, summary: 'This document', auth: 'none', scope: 'none', responses: { 200: { description: 'OpenAPI 3.1' } } }];

export const ROUTE_SPECS: readonly RouteSpec[] = [...healthSpecs, ...openApiSpecs, ...deviceSpecs, ...enrolmentTokenSpecs, ...adminTokenSpecs, ...modelSpecs, ...driftSpecs, ...shadowSpecs, ...feedbackSpecs, ...alertSpecs, ...jobSpecs, ...rolloutSpecs, ...quantizeSpecs, ...derivedSpecs, ...datasetSpecs, ...trainingRunSpecs, ...operationSpecs, ...artifactSpecs, ...deviceConfigSpecs, ...deviceReleaseSpecs, ...trustSpecs, ...brokerHookSpecs, ...sessionSpecs, ...streamSpecs, ...overviewSpecs, ...consoleSpecs, ...webPageSpecs, ...webRuntimeSpecs];

/** `consoleDir`: the built admin console served at `/` (default hub/dist/console). */
/** The OpenAPI document `GET /api/v1/openapi.json` serves (and the console's types are generated from). */
export const openApiDocument = (): Record<string, unknown> => buildOpenApi(ROUTE_SPECS, { version: '0.1.0' });

export function createApp(ctx: HubContext, options: { consoleDir?: string } = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.onError((error, c) => handleError(error, c, ctx.logger));
  app.notFound((c) => c.json(errorBody('E_NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`), 404));

  registerHealth(app);
  registerConsole(app, options.consoleDir ?? DEFAULT_CONSOLE_DIR);
  registerWebPage(app, options.consoleDir ?? DEFAULT_CONSOLE_DIR, () => ctx.urls);
  registerWebRuntime(app);
  const openApi = openApiDocument();
  app.get(OPENAPI_PATH, (c) => c.json(openApi));

  // Everything else under /api/v1 is the admin API.
  // Built once: it holds the scope each route's spec states.
  const admin = requireAdmin(ctx, ROUTE_SPECS);
  app.use('/api/v1/*', async (c, next) => {
    // The document is public; signing in is how a browser gets its credentials.
    if (c.req.path === OPENAPI_PATH || (c.req.path === SESSION_PATH && c.req.method === 'POST')) return next();
    return admin(c, next);
  });
  registerSession(app, ctx);
  registerStream(app, ctx);
  registerOverview(app, ctx);
  registerDevices(app, ctx);
  // Its admin routes sit behind the middleware above; POST /device/v1/enrol is public (the token is the credential).
  registerEnrolmentTokens(app, ctx);
  registerAdminTokens(app, ctx);
  registerModels(app, ctx);
  registerDrift(app, ctx);
  registerShadow(app, ctx);
  registerFeedback(app, ctx);
  registerAlerts(app, ctx);
  registerJobs(app, ctx);
  registerRollouts(app, ctx);
  registerQuantize(app, ctx);
  registerDerived(app, ctx);
  registerDatasets(app, ctx);
  registerTrainingRuns(app, ctx);
  registerOperations(app, ctx);
  registerArtifacts(app, ctx);
  registerDeviceConfig(app, ctx);
  registerDeviceReleases(app, ctx);
  registerTrust(app, ctx);
  registerBrokerHooks(app, ctx, ctx.brokerHookToken);
  return app;
}

