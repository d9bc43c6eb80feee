/** Admin bearer tokens and sessions, their scopes, and device Basic credentials for HTTP. */
import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { getCookie } from 'hono/cookie';
import { matchedRoutes } from 'hono/route';
import { isValidDeviceId } from '@edgefleet/protocol';
import { HubError } from '../core/errors';
import { sourceKey } from '../core/auth-admission';
import type { SignInAdmission } from '../core/sign-in-admission';
import { safeEqual } from '../adapters/secrets';
import { adminTokenHint } from '../adapters/admin-token';
import { errorBody } from './errors';
import { honoPath, type RouteSpec } from './openapi';
import type { HubContext } from '../services/context';
import { sessionOf } from '../services/console/admin-sessions';
import { recordAuthFailure } from '../services/auth-failures';
import { actorOfIdentity, identityOfToken, type AdminIdentity } from '../services/admin-tokens/admin-tokens';
import { allows, type Scope } from '../services/admin-tokens/scopes';
import { adminSignInAdmission } from '../services/admin-tokens/sign-in-limits';

export type Principal = ({ kind: 'admin' } & AdminIdentity) | { kind: 'device'; id: string };
export interface AppEnv {
  Variables: { principal: Principal };
}

/** The console's session cookie (routes/session.ts sets it). */
export const SESSION_COOKIE = 'ef_session';

/** The audit trail's actor: `admin` (bootstrap token), `token:<name>`, or `device:<id>`. */
export const actorOf = (principal: Principal): string => (principal.kind === 'admin' ? actorOfIdentity(principal) : `device:${principal.id}`);

function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const unauthorized = (message: string): HubError => new HubError('E_UNAUTHORIZED', message);
const adminRequired = (ctx: Pick<HubContext, 'adminTokenSource'>): string => `a valid admin bearer token (or a console session) is required: ${adminTokenHint(ctx.adminTokenSource)}; or a token made with POST /api/v1/admin-tokens`;

/** The peer's address, what failed attempts are counted against; absent without a socket (app.request() in tests). */
export function remoteAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/**
 * Runs `check` of a presented secret under the sign-in limits (core/sign-in-admission): it waits
 * its turn, or the caller's address failed too often and gets the 429 returned here, before the
 * secret is compared or looked up. A null answer or an E_UNAUTHORIZED counts as a failure,
 * anything else does not. Time is the hub's clock (`now`), which tests may hold still.
 */
export async function underSignInLimits<T>(c: Context, admission: SignInAdmission, now: () => Date, what: string, check: () => Promise<T | null>): Promise<T | null | Response> {
  const turn = await admission.begin(sourceKey(remoteAddress(c)), now().getTime());
  if (turn.kind !== 'ticket') {
    return c.json(errorBody('E_THROTTLED', `too many failed ${what} from this address; retry after ${turn.retryAfterS} s`), 429, { 'Retry-After': String(turn.retryAfterS) });
  }
  try {
    const result = await check();
    if (result === null) turn.failed(now().getTime());
    else turn.succeeded(now().getTime());
    return result;
  } catch (error) {
    if (error instanceof HubError && error.code === 'E_UNAUTHORIZED') turn.failed(now().getTime());
    else turn.succeeded(now().getTime());
    throw error;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `GET /api/v1/devices/:id` -> the scope its spec states. */
function scopeIndex(specs: readonly RouteSpec[]): Map<string, Scope | 'none'> {
  return new Map(specs.map((spec) => [`${spec.method.toUpperCase()} ${honoPath(spec.path)}`, spec.scope]));
}

/**
 * The scope the route this request matched needs. A handler without a spec needs admin (a route
 * added without stating its scope fails closed); a request no route answers (a 404) needs read.
 */
function neededScope(c: Context, scopes: ReadonlyMap<string, Scope | 'none'>): Scope {
  const route = matchedRoutes(c).find((candidate) => candidate.method !== 'ALL');
  if (!route) return 'read';
  const scope = scopes.get(`${route.method} ${route.path}`);
  return scope === undefined || scope === 'none' ? 'admin' : scope;
}

/**
 * Who an admin request comes from: a bearer token (scripts: the bootstrap token or a scoped
 * one), or the console's session cookie, which must come with its CSRF token (X-CSRF-Token) on
 * anything but a read: a page on another site can make the browser send the cookie, never read
 * the token. Presented secrets are checked under the sign-in limits; a request that presents
 * none is refused without counting. A Response is the 429 of a throttled address.
 */
async function authenticateAdmin(c: Context, ctx: HubContext): Promise<AdminIdentity | Response> {
  const header = c.req.header('authorization');
  const admission = adminSignInAdmission(ctx);
  if (header === undefined) {
    const secret = getCookie(c, SESSION_COOKIE);
    if (secret === undefined) throw unauthorized(adminRequired(ctx));
    const session = await underSignInLimits(c, admission, ctx.now, 'admin sign-ins', async () => (await sessionOf(ctx, secret)) ?? null);
    if (session instanceof Response) return session;
    if (!session) throw unauthorized(`this console session has ended (signed out, expired, or its token was rotated or revoked): sign in again. ${adminRequired(ctx)}`);
    if (!SAFE_METHODS.has(c.req.method) && !safeEqual(c.req.header('x-csrf-token') ?? '', session.csrfToken)) {
      throw new HubError('E_FORBIDDEN', 'a state-changing request of a console session needs its CSRF token in X-CSRF-Token');
    }
    return session.identity;
  }
  const token = bearerToken(header);
  if (token === null) throw unauthorized(adminRequired(ctx));
  const identity = await underSignInLimits(c, admission, ctx.now, 'admin sign-ins', () => identityOfToken(ctx, token));
  if (identity instanceof Response) return identity;
  if (!identity) throw unauthorized(adminRequired(ctx));
  return identity;
}

/**
 * A re-check of the credentials an admin request came with (its bearer token or session cookie):
 * true while they still open the API. For long-lived responses (the event stream) that must not
 * outlive a revoked or rotated token or an ended session. Not a sign-in: no limits apply.
 */
export function credentialsStillLive(c: Context, ctx: HubContext): () => Promise<boolean> {
  const header = c.req.header('authorization');
  if (header === undefined) {
    const secret = getCookie(c, SESSION_COOKIE);
    return async () => secret !== undefined && (await sessionOf(ctx, secret)) !== undefined;
  }
  const token = bearerToken(header);
  return async () => token !== null && (await identityOfToken(ctx, token)) !== null;
}

/**
 * The admin API: authenticates (authenticateAdmin), then holds the caller to the scope the
 * matched route's spec states (403 E_FORBIDDEN naming both scopes).
 */
export function requireAdmin(ctx: HubContext, specs: readonly RouteSpec[]): MiddlewareHandler<AppEnv> {
  const scopes = scopeIndex(specs);
  return async (c, next) => {
    const identity = await authenticateAdmin(c, ctx);
    if (identity instanceof Response) return identity;
    const needed = neededScope(c, scopes);
    if (!allows(identity.scope, needed)) {
      const holder = identity.token ? `admin token ${identity.token.name}` : 'this token';
      throw new HubError('E_FORBIDDEN', `${c.req.method} ${c.req.path} needs an admin token of scope ${needed}; ${holder} has scope ${identity.scope}`, { details: { needed, scope: identity.scope } });
    }
    c.set('principal', { kind: 'admin', ...identity });
    await next();
  };
}

/**
 * Device routes. With `allowAdmin`, an admin bearer token of any scope is let in too: such
 * routes are reads (their specs say `device-or-admin` with scope read; a test holds them to it).
 */
export const requireDevice =
  (ctx: HubContext, options: { allowAdmin: boolean }): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const header = c.req.header('authorization');
    const bearer = options.allowAdmin ? bearerToken(header) : null;
    if (bearer !== null) {
      const identity = await underSignInLimits(c, adminSignInAdmission(ctx), ctx.now, 'admin sign-ins', () => identityOfToken(ctx, bearer));
      if (identity instanceof Response) return identity;
      if (!identity || !allows(identity.scope, 'read')) throw unauthorized(adminRequired(ctx));
      c.set('principal', { kind: 'admin', ...identity });
      return next();
    }
    // One message for every refusal: which of id and secret was wrong is for the hub's log, not the caller.
    const challenge = (): never => {
      c.header('WWW-Authenticate', 'Basic realm="edgefleet", charset="UTF-8"');
      throw unauthorized('device credentials are required (Basic <device id>:<secret>) and were missing or refused: check the device id and secret; a decommissioned device can no longer sign in');
    };
    const basic = parseBasicAuth(header);
    const source = remoteAddress(c) ?? 'unknown';
    // No credentials at all is how a Basic client starts (it answers the challenge): not logged.
    if (!basic) return challenge();
    if (!isValidDeviceId(basic.user)) {
      recordAuthFailure(ctx, { transport: 'http', deviceId: basic.user, source, reason: 'malformed credentials' });
      return challenge();
    }
    const outcome = await ctx.credentials.verify(basic.user, basic.password, source);
    switch (outcome.kind) {
      case 'ok':
        c.set('principal', { kind: 'device', id: basic.user });
        return next();
      case 'invalid':
        recordAuthFailure(ctx, { transport: 'http', deviceId: basic.user, source });
        return challenge();
      // Refused before the secret was checked (core/auth-admission): the agent retries both later.
      case 'throttled':
        return c.json(errorBody('E_THROTTLED', 'too many failed device logins from this address or for this device; retry later'), 429, { 'Retry-After': String(outcome.retryAfterS) });
      case 'busy':
        return c.json(errorBody('E_UNAVAILABLE', 'device logins are queued beyond capacity; retry later'), 503, { 'Retry-After': String(outcome.retryAfterS) });
    }
  };
