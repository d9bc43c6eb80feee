/** Admin bearer tokens and device Basic credentials for HTTP. */
import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { isValidDeviceId } from '@edgefleet/protocol';
import { HubError } from '../core/errors';
import { safeEqual } from '../adapters/secrets';
import { ADMIN_TOKEN_HINT } from '../adapters/admin-token';
import { errorBody } from './errors';
import type { HubContext } from '../services/context';
import { getCookie } from 'hono/cookie';
import { sessionOf } from '../services/console/admin-sessions';
import { recordAuthFailure } from '../services/auth-failures';
import { SESSION_COOKIE } from './routes/session';

export type Principal = { kind: 'admin' } | { kind: 'device'; id: string };
export interface AppEnv {
  Variables: { principal: Principal };
}

export const actorOf = (principal: Principal): string => (principal.kind === 'admin' ? 'admin' : `device:${principal.id}`);

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

function isAdmin(ctx: HubContext, header: string | undefined): boolean {
  const token = bearerToken(header);
  return token !== null && safeEqual(token, ctx.adminToken);
}

/** The peer's address, what failed attempts are counted against; absent without a socket (app.request() in tests). */
export function remoteAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The admin API: a bearer token (scripts), or the console's session cookie, which must come with
 * its CSRF token (X-CSRF-Token) on anything but a read: a page on another site can make the
 * browser send the cookie, never read the token.
 */
export const requireAdmin =
  (ctx: HubContext): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const header = c.req.header('authorization');
    if (header === undefined) {
      const secret = getCookie(c, SESSION_COOKIE);
      const session = secret === undefined ? undefined : await sessionOf(ctx, secret);
      if (session) {
        if (!SAFE_METHODS.has(c.req.method) && !safeEqual(c.req.header('x-csrf-token') ?? '', session.csrfToken)) {
          throw new HubError('E_FORBIDDEN', 'a state-changing request of a console session needs its CSRF token in X-CSRF-Token');
        }
        c.set('principal', { kind: 'admin' });
        return next();
      }
    }
    if (!isAdmin(ctx, header)) throw unauthorized(`a valid admin bearer token (or a console session) is required: ${ADMIN_TOKEN_HINT}`);
    c.set('principal', { kind: 'admin' });
    await next();
  };

export const requireDevice =
  (ctx: HubContext, options: { allowAdmin: boolean }): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const header = c.req.header('authorization');
    if (options.allowAdmin && isAdmin(ctx, header)) {
      c.set('principal', { kind: 'admin' });
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
