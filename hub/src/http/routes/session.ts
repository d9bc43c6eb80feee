/**
 * Console sign-in and sign-out (issue 13): `POST /api/v1/session` trades the admin token for an
 * HttpOnly, SameSite=Strict session cookie and a CSRF token the page sends back in X-CSRF-Token
 * on every state-changing request (services/console/admin-sessions.ts).
 */
import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { ADMIN_SESSION_TTL_MS, createSignInLink, SIGN_IN_LINK_MAX_TTL_S, SIGN_IN_LINK_TTL_S, signIn, signInWithLink, signOut, sessionOf, type StartedSession } from '../../services/console/admin-sessions';
import type { HubContext } from '../../services/context';
import { notFound } from '../../core/errors';
import type { AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { parseInput, readJsonBody } from '../validate';

export const SESSION_COOKIE = 'ef_session';
export const SESSION_PATH = '/api/v1/session';

const signInBody = z.union([
  z.strictObject({ token: z.string().min(1).max(512).describe('the admin token') }),
  z.strictObject({ link: z.string().min(1).max(128).describe('the code of a one-time sign-in link (POST /api/v1/session/links)') }),
]);
const linkBody = z.strictObject({ ttlS: z.number().int().min(60).max(SIGN_IN_LINK_MAX_TTL_S).optional().describe(`how long the link stays usable; default ${SIGN_IN_LINK_TTL_S} s`) });
const linkView = z.object({ code: z.string(), url: z.string().describe("the console's address that signs in with the code (the code rides in the fragment, never sent to a server)"), expiresAt: z.string() });
const sessionView = z.object({ csrfToken: z.string().describe('send it back in X-CSRF-Token on POST, PUT, PATCH and DELETE'), expiresAt: z.string() });

export const sessionSpecs: RouteSpec[] = [
  { method: 'post', path: SESSION_PATH, summary: 'Sign in with the admin token: sets the HttpOnly session cookie', auth: 'none', body: signInBody, responses: { 201: { description: 'signed in', schema: sessionView }, 401: { description: 'wrong token' } } },
  { method: 'get', path: SESSION_PATH, summary: 'The current session (its CSRF token and expiry)', auth: 'admin', responses: { 200: { description: 'signed in', schema: sessionView }, 404: { description: 'signed in with a bearer token, not a session' } } },
  { method: 'post', path: `${SESSION_PATH}/links`, summary: 'A one-time console sign-in link (what `npm run demo` prints): the first browser to open it is signed in; the body may be empty', auth: 'admin', body: linkBody, responses: { 201: { description: 'the link', schema: linkView } } },
  { method: 'delete', path: SESSION_PATH, summary: 'Sign out: ends the session on every replica and clears the cookie', auth: 'admin', responses: { 204: { description: 'signed out' } } },
];

/** Secure whenever the browser reached the hub over HTTPS (itself, or a proxy saying so). */
const overHttps = (c: Context, publicUrl: string): boolean => c.req.url.startsWith('https:') || c.req.header('x-forwarded-proto') === 'https' || publicUrl.startsWith('https:');

export function registerSession(app: Hono<AppEnv>, ctx: HubContext): void {
  app.post(SESSION_PATH, async (c) => {
    const body = parseInput(signInBody, await readJsonBody(c));
    const session: StartedSession = 'token' in body ? await signIn(ctx, body.token) : await signInWithLink(ctx, body.link);
    setCookie(c, SESSION_COOKIE, session.secret, { httpOnly: true, sameSite: 'Strict', secure: overHttps(c, ctx.urls.publicUrl), path: '/', maxAge: ADMIN_SESSION_TTL_MS / 1000 });
    return c.json({ csrfToken: session.csrfToken, expiresAt: session.expiresAt }, 201);
  });
  app.post(`${SESSION_PATH}/links`, async (c) => {
    const { ttlS } = parseInput(linkBody, await readJsonBody(c, {}));
    const link = await createSignInLink(ctx, ttlS);
    return c.json({ ...link, url: `${ctx.urls.publicUrl}/#/sign-in?link=${link.code}` }, 201);
  });
  app.get(SESSION_PATH, async (c) => {
    const secret = getCookie(c, SESSION_COOKIE);
    const session = secret === undefined ? undefined : await sessionOf(ctx, secret);
    if (!session) throw notFound('session');
    return c.json(session);
  });
  app.delete(SESSION_PATH, async (c) => {
    const secret = getCookie(c, SESSION_COOKIE);
    if (secret !== undefined) await signOut(ctx, secret);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });
}
