/**
 * `POST /broker/v1/authenticate` and `POST /broker/v1/authorize`: the HTTP hooks an external
 * broker such as EMQX 5 calls on every CONNECT, PUBLISH and SUBSCRIBE, so that it enforces the
 * hub's device rules without a copy of the hub's users (core/broker-hook-decisions.ts). They exist
 * only when EDGEFLEET_BROKER_HOOK_TOKEN is set, and answer only requests bearing it. Failed
 * secrets count against the broker-reported client address (`peerhost`), so the hub's login
 * throttling still applies per device address, not per broker.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { deviceDecommissionedAt } from '../../adapters/db/devices';
import { safeEqual } from '../../adapters/secrets';
import { authenticationStep, authorizationResult, type DeviceStanding, type HookResult } from '../../core/broker-hook-decisions';
import { HubError } from '../../core/errors';
import { recordAuthFailure } from '../../services/auth-failures';
import type { HubContext } from '../../services/context';
import type { AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { parseInput, readJsonBody } from '../validate';

const text = (max: number) => z.string().max(max);
export const authenticateHookBody = z.object({
  clientid: text(256),
  username: text(256),
  password: text(1024),
  peerhost: text(64).optional().describe("the client's address, as the broker sees it"),
});
export const authorizeHookBody = z.object({
  clientid: text(256),
  username: text(256),
  topic: text(1024),
  action: z.enum(['publish', 'subscribe']),
  // Any text is taken: a broker version without the placeholder sends it verbatim, and refusing
  // that (400, which EMQX reads as ignore, then no_match = deny) would refuse every publish.
  retain: z.union([z.boolean(), z.string().max(32)]).optional().describe("publish only: true or 'true' means a retained publish (EMQX's ${retain}); anything else means not retained"),
});
const hookResult = z.object({ result: z.enum(['allow', 'deny', 'ignore']) });

export const brokerHookSpecs: RouteSpec[] = [
  { method: 'post', path: '/broker/v1/authenticate', summary: "An external broker's authentication hook (EMQX 5 HTTP authenticator): may this client connect?", auth: 'broker-hook', scope: 'none', body: authenticateHookBody, responses: { 200: { description: 'allow, deny, or ignore (not a device)', schema: hookResult } } },
  { method: 'post', path: '/broker/v1/authorize', summary: "An external broker's authorization hook (EMQX 5 HTTP authorizer): may this client publish or subscribe here?", auth: 'broker-hook', scope: 'none', body: authorizeHookBody, responses: { 200: { description: 'allow, deny, or ignore (not a device)', schema: hookResult } } },
];

async function standingOf(ctx: Pick<HubContext, 'db'>, username: string): Promise<DeviceStanding> {
  const row = await deviceDecommissionedAt(ctx.db, username);
  if (!row) return 'unknown';
  return row.decommissionedAt === null ? 'in-service' : 'decommissioned';
}

export function registerBrokerHooks(app: Hono<AppEnv>, ctx: HubContext, token: string | undefined): void {
  if (token === undefined) return;
  app.use('/broker/v1/*', async (c, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    if (!match?.[1] || !safeEqual(match[1], token)) throw new HubError('E_UNAUTHORIZED', 'the broker hook token is required');
    return next();
  });
  app.post('/broker/v1/authenticate', async (c) => {
    const request = parseInput(authenticateHookBody, await readJsonBody(c));
    const standing = await standingOf(ctx, request.username);
    const step = authenticationStep(request, standing);
    const source = request.peerhost ?? 'broker';
    if (step !== 'check') {
      if (step === 'deny') recordAuthFailure(ctx, { transport: 'broker-hook', deviceId: request.username, source, reason: standing === 'decommissioned' ? 'decommissioned' : 'malformed credentials' });
      return c.json({ result: step });
    }
    const outcome = await ctx.credentials.verify(request.username, request.password, source);
    // Throttled or busy: refused before the secret was looked at, so not a failed login to log
    // (as over MQTT and HTTP): the credential check logs the address or id reaching its limit.
    if (outcome.kind === 'invalid') recordAuthFailure(ctx, { transport: 'broker-hook', deviceId: request.username, source });
    const result: HookResult = outcome.kind === 'ok' ? 'allow' : 'deny';
    return c.json({ result });
  });
  app.post('/broker/v1/authorize', async (c) => {
    const request = parseInput(authorizeHookBody, await readJsonBody(c));
    const retain = request.retain === true || request.retain === 'true';
    return c.json({ result: authorizationResult({ ...request, retain }, await standingOf(ctx, request.username)) });
  });
}
