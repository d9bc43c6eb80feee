/**
 * ISSUE 13 (sign-in): the admin token is traded for an HttpOnly, SameSite=Strict session cookie
 * and a CSRF token. With the cookie the admin API answers reads; a state-changing request needs
 * the CSRF token too. A wrong token signs nobody in and is never echoed. Sign-out ends the
 * session (the cookie no longer opens anything); a session expires 8 hours after sign-in (the
 * hub's clock moved by the test). The bearer token keeps working for scripts, and the cookie
 * opens nothing on the device routes.
 */
import { describe, expect, it } from 'vitest';
import type { Hub } from '../src/index';
import { api, useTestHub } from './support';

const HOUR_MS = 3_600_000;
let clockMs = Date.parse('2026-12-04T09:00:00.000Z');

describe('console sessions', () => {
  let hub: Hub;
  useTestHub((started) => (hub = started.hub), { now: () => new Date(clockMs) });

  const signIn = async (token: string) => {
    const response = await fetch(`${hub.httpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    return { status: response.status, setCookie: response.headers.get('set-cookie') ?? '', body: (await response.json()) as { csrfToken?: string; expiresAt?: string; error?: { code: string; message: string } } };
  };
  const cookieOf = (setCookie: string): string => setCookie.split(';')[0] as string;
  const withCookie = (cookie: string, method: string, path: string, extra: Record<string, string> = {}, body?: unknown) =>
    fetch(`${hub.httpUrl}${path}`, { method, headers: { cookie, ...extra, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  it('refuses a wrong token without a cookie or an echo of what was sent', async () => {
    const wrong = await signIn('not-the-admin-token-at-all');
    expect(wrong.status).toBe(401);
    expect(wrong.setCookie).toBe('');
    expect(JSON.stringify(wrong.body)).not.toContain('not-the-admin-token-at-all');
    expect((await signIn('')).status).toBe(400);
  });

  it('signs in to an HttpOnly, SameSite=Strict cookie; reads pass with it, writes only with the CSRF token', async () => {
    const signedIn = await signIn(hub.adminToken);
    expect(signedIn.status).toBe(201);
    expect(signedIn.setCookie).toMatch(/^ef_session=[A-Za-z0-9_-]{40,};/);
    expect(signedIn.setCookie).toMatch(/HttpOnly/);
    expect(signedIn.setCookie).toMatch(/SameSite=Strict/);
    expect(signedIn.setCookie).toMatch(/Path=\//);
    expect(signedIn.setCookie).toMatch(/Max-Age=28800/);
    expect(signedIn.setCookie).not.toContain(hub.adminToken);
    const cookie = cookieOf(signedIn.setCookie);
    const csrf = signedIn.body.csrfToken as string;
    expect(signedIn.body.expiresAt).toBe(new Date(clockMs + 8 * HOUR_MS).toISOString());

    expect((await withCookie(cookie, 'GET', '/api/v1/devices')).status).toBe(200);
    expect(await (await withCookie(cookie, 'GET', '/api/v1/session')).json()).toEqual({ csrfToken: csrf, expiresAt: signedIn.body.expiresAt, scope: 'admin', token: null });
    const noCsrf = await withCookie(cookie, 'POST', '/api/v1/devices', {}, { id: 'session-dev-1' });
    expect(noCsrf.status).toBe(403);
    expect(((await noCsrf.json()) as { error: { code: string } }).error.code).toBe('E_FORBIDDEN');
    expect((await withCookie(cookie, 'POST', '/api/v1/devices', { 'x-csrf-token': 'forged' }, { id: 'session-dev-1' })).status).toBe(403);
    expect((await withCookie(cookie, 'POST', '/api/v1/devices', { 'x-csrf-token': csrf }, { id: 'session-dev-1' })).status).toBe(201);
    // The cookie is no device credential.
    expect((await withCookie(cookie, 'GET', '/device/v1/config')).status).toBe(401);
    // Scripts keep their bearer token.
    expect((await api(hub, 'GET', '/api/v1/devices/session-dev-1')).status).toBe(200);
  });

  it('ends the session on sign-out, which itself needs the CSRF token', async () => {
    const signedIn = await signIn(hub.adminToken);
    const cookie = cookieOf(signedIn.setCookie);
    expect((await withCookie(cookie, 'DELETE', '/api/v1/session')).status).toBe(403);
    const out = await withCookie(cookie, 'DELETE', '/api/v1/session', { 'x-csrf-token': signedIn.body.csrfToken as string });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^ef_session=;.*Max-Age=0/);
    expect((await withCookie(cookie, 'GET', '/api/v1/devices')).status).toBe(401);
  });

  it('expires a session 8 hours after sign-in', async () => {
    const signedIn = await signIn(hub.adminToken);
    const cookie = cookieOf(signedIn.setCookie);
    clockMs += 8 * HOUR_MS - 1_000;
    expect((await withCookie(cookie, 'GET', '/api/v1/devices')).status).toBe(200);
    clockMs += 2_000;
    expect((await withCookie(cookie, 'GET', '/api/v1/devices')).status).toBe(401);
    expect((await withCookie(cookie, 'GET', '/api/v1/session')).status).toBe(401);
  });
});
