/**
 * Console sign-in and sign-out (issue 13): `POST /api/v1/session` trades an admin token for an
 * HttpOnly, SameSite=Strict session cookie and a CSRF token the page sends back in X-CSRF-Token
 * on every state-changing request (services/console/admin-sessions.ts). The session has the
 * token's scope, which the console reads to show only what it may do (issue 16). Failed sign-ins
 * (a wrong token, a spent or unknown link) count against the caller's address like wrong bearer
 * tokens (services/admin-tokens/sign-in-limits.ts).
 */
import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { ADMIN_SESSION_TTL_MS, createSignInLink, SIGN_IN_LINK_MAX_TTL_S, SIGN_IN_LINK_TTL_S, signIn, signInWithLink, signOut, sessionOf } from '../../services/console/admin-sessions';
import type { AdminIdentity } from '../../services/admin-tokens/admin-tokens';
import { SCOPES } from '../../services/admin-tokens/scopes';
import { adminSignInAdmission } from '../../services/admin-tokens/sign-in-limits';
import type { HubContext } from '../../services/context';
import { notFound } from '../../core/errors';
import { SESSION_COOKIE, underSignInLimits, type AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { parseInput, readJsonBody } from '../validate';

export { SESSION_COOKIE };
export const SESSION_PATH = '/api/v1/session';

const signInBody = z.union([
  z.strictObject({ token: z.string().min(1).max(512).describe('an admin token: the bootstrap one, or one made with POST /api/v1/admin-tokens') }),
  z.strictObject({ link: z.string().min(1).max(128).describe('the code of a one-time sign-in link (POST /api/v1/session/links)') }),
]);
const linkBody = z.strictObject({ ttlS: z.number().int().min(60).max(SIGN_IN_LINK_MAX_TTL_S).optional().describe(`how long the link stays usable; default ${SIGN_IN_LINK_TTL_S} s`) });
const linkView = z.object({ code: z.string(), url: z.string().describe("the console's address that signs in with the code (the code rides in the fragment, never sent to a server)"), expiresAt: z.string() });
const sessionView = z.object({
  csrfToken: z.string().describe('send it back in X-CSRF-Token on POST, PUT, PATCH and DELETE'),
  expiresAt: z.string().describe('at the latest 8 hours after sign-in, sooner if the token that signed in expires sooner'),
  scope: z.enum(SCOPES).describe('what the session may do: the scope of the token that signed in'),
  token: z.object({ id: z.string(), name: z.string() }).nullable().describe('the admin token that signed in; null for the bootstrap token'),
});

export const sessionSpecs: RouteSpec[] = [
  { method: 'post', path: SESSION_PATH, summary: 'Sign in with an admin token or a sign-in link: sets the HttpOnly session cookie', auth: 'none', scope: 'none', body: signInBody, responses: { 201: { description: 'signed in', schema: sessionView }, 401: { description: 'wrong token, or a spent, expired or unknown link' }, 429: { description: 'too many failed sign-ins from this address; see Retry-After' } } },
  { method: 'get', path: SESSION_PATH, summary: 'The current session (its CSRF token, expiry and scope)', auth: 'admin', scope: 'read', responses: { 200: { description: 'signed in', schema: sessionView }, 404: { description: 'signed in with a bearer token, not a session' } } },
  { method: 'post', path: `${SESSION_PATH}/links`, summary: 'A one-time console sign-in link (what `npm run demo` prints): the first browser to open it is signed in, with the scope of the token that made the link; the body may be empty', auth: 'admin', scope: 'read', body: linkBody, responses: { 201: { description: 'the link', schema: linkView } } },
  { method: 'delete', path: SESSION_PATH, summary: 'Sign out: ends the session on every replica and clears the cookie', auth: 'admin', scope: 'read', responses: { 204: { description: 'signed out' } } },
];

/** Secure whenever the browser reached the hub over HTTPS (itself, or a proxy saying so). */
const overHttps = (c: Context, publicUrl: string): boolean => c.req.url.startsWith('https:') || c.req.header('x-forwarded-proto') === 'https' || publicUrl.startsWith('https:');

const sessionJson = (session: { csrfToken: string; expiresAt: string; identity: AdminIdentity }) => ({ csrfToken: session.csrfToken, expiresAt: session.expiresAt, scope: session.identity.scope, token: session.identity.token });

export function registerSession(app: Hono<AppEnv>, ctx: HubContext): void {
  app.post(SESSION_PATH, async (c) => {
    // The body first (bounded, no secret looked at): answering before it is read would leave it on the socket.
    const body = parseInput(signInBody, await readJsonBody(c));
    const session = await underSignInLimits(c, adminSignInAdmission(ctx), ctx.now, 'admin sign-ins', () => ('token' in body ? signIn(ctx, body.token) : signInWithLink(ctx, body.link)));
    if (session instanceof Response) return session;
    if (!session) throw notFound('session');
    setCookie(c, SESSION_COOKIE, session.secret, { httpOnly: true, sameSite: 'Strict', secure: overHttps(c, ctx.urls.publicUrl), path: '/', maxAge: Math.max(1, Math.min(ADMIN_SESSION_TTL_MS / 1000, Math.ceil((Date.parse(session.expiresAt) - ctx.now().getTime()) / 1000))) });
    return c.json(sessionJson(session), 201);
  });
  app.post(`${SESSION_PATH}/links`, async (c) => {
    const { ttlS } = parseInput(linkBody, await readJsonBody(c, {}));
    const principal = c.get('principal');
    if (principal.kind !== 'admin') throw notFound('session');
    const link = await createSignInLink(ctx, principal, ttlS);
    return c.json({ ...link, url: `${ctx.urls.publicUrl}/#/sign-in?link=${link.code}` }, 201);
  });
  app.get(SESSION_PATH, async (c) => {
    const secret = getCookie(c, SESSION_COOKIE);
    const session = secret === undefined ? undefined : await sessionOf(ctx, secret);
    if (!session) throw notFound('session');
    return c.json(sessionJson(session));
  });
  app.delete(SESSION_PATH, async (c) => {
    const secret = getCookie(c, SESSION_COOKIE);
    if (secret !== undefined) await signOut(ctx, secret);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });
}
