/**
 * Failed sign-ins are limited per source address (issue 16 item 5) on a real hub over real HTTP:
 * wrong admin bearer tokens, console sign-ins with a wrong token or link, forged session cookies,
 * and browser enrolments with a token nobody issued. Past the limit an address gets 429
 * E_THROTTLED with Retry-After before its secret is looked at (even a right one), while a right
 * token from another address goes through. A burst of guesses sent at once cannot outrun the
 * count (before issue 16, 200 concurrent enrolment guesses were all checked), and many right
 * secrets at once from one address all succeed. Requests come from several loopback addresses
 * (127.0.0.x), which the hub sees as different sources.
 */
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Hub } from '../src/index';
import { ENROL_LIMITS } from '../src/http/routes/enrolment-tokens';
import { ADMIN_SIGN_IN_LIMITS } from '../src/services/admin-tokens/sign-in-limits';
import { api, useTestHub } from './support';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
}

let hub: Hub;
// The hub's clock stands still, so no failure is given back while a test counts them.
const FROZEN = new Date('2026-12-04T10:00:00.000Z');
useTestHub(({ hub: started }) => (hub = started), { now: () => FROZEN });

/** One request from `localAddress`, as a client elsewhere would send it. */
function from(localAddress: string, method: string, path: string, options: { headers?: Record<string, string>; json?: unknown } = {}): Promise<Reply> {
  const payload = options.json === undefined ? undefined : JSON.stringify(options.json);
  const headers: Record<string, string | number> = { ...options.headers, ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }) };
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, hub.httpUrl), { method, localAddress, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        // Thrown in this handler, a parse error would be uncaught instead of failing the request.
        try {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? (JSON.parse(text) as Reply['body']) : {} });
        } catch (error) {
          reject(new Error(`${method} ${path}: ${res.statusCode ?? 0} with a body that is not JSON: ${text.slice(0, 200)}`, { cause: error }));
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
/** Well-formed guesses: the shape of a scoped token, 256 bits nobody issued. */
const guess = (i: number): string => `efa_${Buffer.alloc(32, i % 256).toString('base64url')}`;
const capacity = ADMIN_SIGN_IN_LIMITS.perSource.capacity;

function expectThrottled(reply: Reply): void {
  expect(reply.status).toBe(429);
  expect(reply.body.error?.code).toBe('E_THROTTLED');
  expect(Number(reply.headers['retry-after'])).toBeGreaterThanOrEqual(1);
}

describe('failed sign-in limits', () => {
  it('throttles an address sending wrong bearer tokens, before the token is compared; a right token from another address works', async () => {
    const flooder = '127.0.0.31';
    const statuses: number[] = [];
    for (let i = 0; i < capacity + 2; i++) statuses.push((await from(flooder, 'GET', '/api/v1/devices', { headers: bearer(guess(i)) })).status);
    expect(statuses).toEqual([...Array<number>(capacity).fill(401), 429, 429]);
    const refused = await from(flooder, 'GET', '/api/v1/devices', { headers: bearer(hub.adminToken) });
    expectThrottled(refused);
    expect(refused.body.error?.message).toContain('too many failed admin sign-ins from this address');
    // Another address is untouched: its right token works, its wrong ones count for it alone.
    expect((await from('127.0.0.32', 'GET', '/api/v1/devices', { headers: bearer(hub.adminToken) })).status).toBe(200);
    expect((await from('127.0.0.32', 'GET', '/api/v1/devices', { headers: bearer(guess(1)) })).status).toBe(401);
    // Sending nothing is no guess: not counted, still 401.
    for (let i = 0; i < capacity + 1; i++) expect((await from('127.0.0.33', 'GET', '/api/v1/devices')).status).toBe(401);
    expect((await from('127.0.0.33', 'GET', '/api/v1/devices', { headers: bearer(hub.adminToken) })).status).toBe(200);
  });

  it('lets no burst of concurrent wrong tokens outrun the count, and lets a burst of right ones through', async () => {
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => from('127.0.0.34', 'GET', '/api/v1/overview', { headers: bearer(guess(i)) })));
    const checked = replies.filter((reply) => reply.status === 401).length;
    expect(checked).toBeLessThanOrEqual(capacity);
    expect(checked).toBeGreaterThan(0);
    expect(replies.filter((reply) => reply.status === 429)).toHaveLength(200 - checked);
    // From a clean address, 100 right tokens at once: all answered, none refused.
    const right = await Promise.all(Array.from({ length: 100 }, () => from('127.0.0.35', 'GET', '/api/v1/overview', { headers: bearer(hub.adminToken) })));
    expect(right.map((reply) => reply.status)).toEqual(Array<number>(100).fill(200));
  });

  it('counts failed console sign-ins (wrong token, unknown link) and forged session cookies alike', async () => {
    const flooder = '127.0.0.36';
    for (let i = 0; i < capacity; i++) {
      const kind = i % 3;
      const reply =
        kind === 0
          ? await from(flooder, 'POST', '/api/v1/session', { json: { token: guess(i) } })
          : kind === 1
            ? await from(flooder, 'POST', '/api/v1/session', { json: { link: `never-made-${i}` } })
            : await from(flooder, 'GET', '/api/v1/overview', { headers: { cookie: `ef_session=${guess(i)}` } });
      expect(reply.status).toBe(401);
    }
    expectThrottled(await from(flooder, 'POST', '/api/v1/session', { json: { token: hub.adminToken } }));
    expectThrottled(await from(flooder, 'GET', '/api/v1/overview', { headers: { cookie: 'ef_session=anything' } }));
    // A body that is no sign-in at all is refused for its shape, not counted.
    expect((await from('127.0.0.37', 'POST', '/api/v1/session', { json: { token: '' } })).status).toBe(400);
    const signedIn = await from('127.0.0.37', 'POST', '/api/v1/session', { json: { token: hub.adminToken } });
    expect(signedIn.status).toBe(201);
    expect(signedIn.body).toMatchObject({ scope: 'admin' });
  });

  it('throttles enrolment guesses the same way, a burst included, while a lab behind one address enrols at once', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < ENROL_LIMITS.perSource.capacity + 1; i++) statuses.push((await from('127.0.0.38', 'POST', '/device/v1/enrol', { json: { token: Buffer.alloc(32, i).toString('base64url') } })).status);
    expect(statuses).toEqual([...Array<number>(ENROL_LIMITS.perSource.capacity).fill(401), 429]);

    // Before issue 16 every one of these was looked up: the count came after each lookup.
    const burst = await Promise.all(Array.from({ length: 200 }, (_, i) => from('127.0.0.39', 'POST', '/device/v1/enrol', { json: { token: Buffer.alloc(32, i % 256).toString('base64url') } })));
    const looked = burst.filter((reply) => reply.status === 401).length;
    expect(looked).toBeLessThanOrEqual(ENROL_LIMITS.perSource.capacity);
    expect(burst.filter((reply) => reply.status === 429)).toHaveLength(200 - looked);

    // 40 pages behind one address enrolling at once with a good token: every one enrols.
    const issued = await api<{ token: string }>(hub, 'POST', '/api/v1/enrolment-tokens', { json: { ring: 'lab', maxEnrolments: 40, ttlS: 600 } });
    expect(issued.status).toBe(201);
    const lab = await Promise.all(Array.from({ length: 40 }, () => from('127.0.0.40', 'POST', '/device/v1/enrol', { json: { token: issued.body.token } })));
    expect(lab.map((reply) => reply.status)).toEqual(Array<number>(40).fill(201));
  });
});
