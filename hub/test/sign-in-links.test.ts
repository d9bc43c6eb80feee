/**
 * One-time console sign-in links (what `npm run demo` prints): made with the admin token, good for
 * one sign-in within their lifetime, then never again; a link opens an ordinary session.
 */
import { describe, expect, it } from 'vitest';
import type { Hub } from '../src/index';
import { api, useTestHub } from './support';

let clockMs = Date.parse('2026-12-04T09:00:00.000Z');

describe('console sign-in links', () => {
  let hub: Hub;
  useTestHub((started) => (hub = started.hub), { now: () => new Date(clockMs) });

  const signInWith = async (body: unknown) => {
    const response = await fetch(`${hub.httpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, setCookie: response.headers.get('set-cookie') ?? '', body: (await response.json()) as { csrfToken?: string; error?: { code: string; message: string } } };
  };
  const newLink = (json?: unknown) => api<{ code: string; url: string; expiresAt: string }>(hub, 'POST', '/api/v1/session/links', json === undefined ? {} : { json });

  it('signs in exactly once with a link the admin token made', async () => {
    expect((await api(hub, 'POST', '/api/v1/session/links', { token: null })).status).toBe(401);
    const link = await newLink();
    expect(link.status).toBe(201);
    expect(link.body.url.endsWith(`/#/sign-in?link=${link.body.code}`)).toBe(true);
    expect(link.body.expiresAt).toBe(new Date(clockMs + 15 * 60_000).toISOString());

    const first = await signInWith({ link: link.body.code });
    expect(first.status).toBe(201);
    expect(first.setCookie).toMatch(/^ef_session=.+HttpOnly/);
    const cookie = first.setCookie.split(';')[0] as string;
    expect((await fetch(`${hub.httpUrl}/api/v1/overview`, { headers: { cookie } })).status).toBe(200);

    const again = await signInWith({ link: link.body.code });
    expect(again.status).toBe(401);
    expect(again.body.error?.message).toContain('already used');
    expect(again.setCookie).toBe('');
  });

  it('refuses an expired or unknown link, and bounds its lifetime', async () => {
    const link = await newLink({ ttlS: 60 });
    clockMs += 61_000;
    expect((await signInWith({ link: link.body.code })).status).toBe(401);
    expect((await signInWith({ link: 'never-made' })).status).toBe(401);
    const tooLong = await newLink({ ttlS: 7 * 86_400 });
    expect(tooLong.status).toBe(400);
    expect(JSON.stringify(tooLong.body)).toContain('ttlS');
    // Not both a token and a link.
    expect((await signInWith({ token: hub.adminToken, link: 'x' })).status).toBe(400);
  });
});
