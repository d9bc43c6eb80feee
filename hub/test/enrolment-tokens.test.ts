/**
 * Browser enrolment tokens (issue 14) on a real hub (SQLite, or PostgreSQL in the PostgreSQL pass):
 * issue, enrol, the maximum under concurrency, expiry, revocation, unknown tokens, validation,
 * throttling of failed enrolments per address, and the enrolled browser's MQTT-over-WebSocket ACL.
 * Requests come from several loopback addresses (127.0.0.x), which the hub sees as different sources.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connectAsync, type MqttClient } from 'mqtt';
import type { Hub } from '../src/index';
import { ENROL_LIMITS } from '../src/http/routes/enrolment-tokens';
import type { EnrolmentTokenView } from '../src/services/devices/enrolment-tokens';
import { api, basicAuth, enrol, useTestHub } from './support';

/** What the admin API answers for a token (the service's view). */
type TokenView = EnrolmentTokenView;
interface Issued extends TokenView {
  token: string;
}
interface Enrolled {
  id: string;
  secret: string;
  ring: string;
  hubUrl: string;
  mqttWsUrl: string;
}
interface ErrorReply {
  error: { code: string; message: string; details?: Array<{ path: string; message: string }> };
}
interface AuditReply {
  entries: Array<{ actor: string; action: string; subject: string; details: Record<string, unknown> }>;
}

/** The hub's clock runs this far ahead of the real one (expiry tests move it). */
let clockOffsetMs = 0;
let hub: Hub;
useTestHub(({ hub: started }) => (hub = started), { now: () => new Date(Date.now() + clockOffsetMs) });

/** POST /device/v1/enrol from `localAddress`, as an anonymous page would. */
function enrolFrom(localAddress: string, body: unknown): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Enrolled & ErrorReply }> {
  const url = new URL('/device/v1/enrol', hub.httpUrl);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Enrolled & ErrorReply }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}
const enrolWith = (token: string, localAddress = '127.0.0.1') => enrolFrom(localAddress, { token });

async function issue(body: Record<string, unknown>): Promise<Issued> {
  const reply = await api<Issued>(hub, 'POST', '/api/v1/enrolment-tokens', { json: { maxEnrolments: 5, ttlS: 3600, ...body } });
  expect(reply.status).toBe(201);
  return reply.body;
}
const listTokens = async (): Promise<TokenView[]> => (await api<{ tokens: TokenView[] }>(hub, 'GET', '/api/v1/enrolment-tokens')).body.tokens;
const tokenView = async (id: string): Promise<TokenView | undefined> => (await listTokens()).find((token) => token.id === id);
const devicesInRing = async (ring: string): Promise<Array<{ id: string; ring: string; tags: Record<string, string> }>> =>
  (await api<{ devices: Array<{ id: string; ring: string; tags: Record<string, string> }> }>(hub, 'GET', `/api/v1/devices?ring=${ring}`)).body.devices;
/** A well-formed token nobody issued. */
const unknownToken = (): string => Buffer.alloc(32, 7).toString('base64url');
/** Every token issued in this file, to prove none is ever shown again. */
const issuedTokens: string[] = [];

describe('browser enrolment tokens', () => {
  it('issues a token once; a page enrols with it as an ordinary device of its ring, tagged browser', async () => {
    const issued = await issue({ ring: 'web-canary', maxEnrolments: 2, label: 'kiosk pages', tags: { site: 'lab' } });
    issuedTokens.push(issued.token);
    expect(issued).toMatchObject({ ring: 'web-canary', maxEnrolments: 2, used: 0, remaining: 2, state: 'active', label: 'kiosk pages', tags: { site: 'lab' }, revokedAt: null });
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Date(issued.expiresAt).getTime() - new Date(issued.createdAt).getTime()).toBe(3_600_000);

    const reply = await enrolWith(issued.token);
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ ring: 'web-canary', mqttWsUrl: hub.wsUrl, hubUrl: hub.httpUrl });
    expect(reply.body.id).toMatch(/^web-[a-z2-7]{12}$/);
    const { id, secret } = reply.body;

    const device = await api<{ ring: string; tags: Record<string, string> }>(hub, 'GET', `/api/v1/devices/${id}`);
    expect(device.body).toMatchObject({ ring: 'web-canary', tags: { site: 'lab', kind: 'browser' } });
    const config = await fetch(`${hub.httpUrl}/device/v1/config`, { headers: { authorization: basicAuth(id, secret) } });
    expect(config.status).toBe(200);
    expect(await config.json()).toMatchObject({ wsUrl: hub.wsUrl });

    expect(await tokenView(issued.id)).toMatchObject({ used: 1, remaining: 1, state: 'active' });
    const audit = await api<AuditReply>(hub, 'GET', `/api/v1/audit?subject=device:${id}`);
    expect(audit.body.entries).toEqual([expect.objectContaining({ action: 'device.enrolled', actor: `enrolment-token:${issued.id}`, details: { enrolmentToken: issued.id, ring: 'web-canary', tags: { site: 'lab', kind: 'browser' } } })]);
    const issuedAudit = await api<AuditReply>(hub, 'GET', `/api/v1/audit?subject=enrolment-token:${issued.id}`);
    expect(issuedAudit.body.entries.map((entry) => [entry.action, entry.actor])).toEqual([['enrolment-token.issued', 'admin']]);
  });

  it('lets no more than the maximum enrol, however many pages race for it', async () => {
    const issued = await issue({ ring: 'web-race', maxEnrolments: 3 });
    issuedTokens.push(issued.token);
    const replies = await Promise.all(Array.from({ length: 8 }, () => enrolWith(issued.token)));
    expect(replies.filter((reply) => reply.status === 201)).toHaveLength(3);
    expect(replies.filter((reply) => reply.status === 401)).toHaveLength(5);
    expect(await devicesInRing('web-race')).toHaveLength(3);
    expect(await tokenView(issued.id)).toMatchObject({ used: 3, remaining: 0, state: 'exhausted' });
    // Used up stays used up.
    expect((await enrolWith(issued.token)).status).toBe(401);
    expect(await devicesInRing('web-race')).toHaveLength(3);
  });

  it('refuses an expired token, with the same answer as an unknown one, and enrols nobody', async () => {
    const issued = await issue({ ring: 'web-expired', ttlS: 60 });
    issuedTokens.push(issued.token);
    clockOffsetMs = 61_000;
    try {
      const expired = await enrolWith(issued.token);
      const unknown = await enrolWith(unknownToken());
      expect(expired.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(expired.body.error).toEqual(unknown.body.error);
      expect(expired.body.error.code).toBe('E_UNAUTHORIZED');
      expect(await tokenView(issued.id)).toMatchObject({ used: 0, state: 'expired' });
    } finally {
      clockOffsetMs = 0;
    }
    expect(await devicesInRing('web-expired')).toHaveLength(0);
    // Why it was refused is the operator's to read, on the token's own trail.
    const audit = await api<AuditReply>(hub, 'GET', `/api/v1/audit?subject=enrolment-token:${issued.id}`);
    expect(audit.body.entries[0]).toMatchObject({ action: 'enrolment-token.refused', details: { reason: 'expired' } });
  });

  it('refuses a revoked token; revoking is idempotent and audited once; devices it enrolled stay', async () => {
    const issued = await issue({ ring: 'web-revoked' });
    issuedTokens.push(issued.token);
    expect((await enrolWith(issued.token)).status).toBe(201);
    const revoked = await api<TokenView>(hub, 'DELETE', `/api/v1/enrolment-tokens/${issued.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: issued.id, state: 'revoked', used: 1 });
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await enrolWith(issued.token)).status).toBe(401);
    expect(await devicesInRing('web-revoked')).toHaveLength(1);

    const again = await api<TokenView>(hub, 'DELETE', `/api/v1/enrolment-tokens/${issued.id}`);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    const audit = await api<AuditReply>(hub, 'GET', `/api/v1/audit?subject=enrolment-token:${issued.id}&action=enrolment-token.revoked`);
    expect(audit.body.entries).toHaveLength(1);
    expect((await api(hub, 'DELETE', '/api/v1/enrolment-tokens/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('refuses an unknown token and creates nothing', async () => {
    const before = (await api<{ devices: unknown[] }>(hub, 'GET', '/api/v1/devices')).body.devices.length;
    const reply = await enrolWith(unknownToken());
    expect(reply.status).toBe(401);
    expect(reply.body.error.message).not.toMatch(/unknown token|never existed/);
    expect((await api<{ devices: unknown[] }>(hub, 'GET', '/api/v1/devices')).body.devices.length).toBe(before);
  });

  it('never shows a token (or its hash) again: not in the list, not in the audit trail', async () => {
    const list = JSON.stringify((await api(hub, 'GET', '/api/v1/enrolment-tokens')).body);
    const audit = JSON.stringify((await api(hub, 'GET', '/api/v1/audit?limit=1000')).body);
    expect(issuedTokens.length).toBeGreaterThanOrEqual(4);
    for (const token of issuedTokens) {
      const hash = createHash('sha256').update(token).digest('hex');
      for (const text of [list, audit]) {
        expect(text).not.toContain(token);
        expect(text).not.toContain(hash);
      }
    }
    expect(list).not.toMatch(/"token"|tokenHash/);
  });

  it('names the field of every bad body, and keeps the admin routes for the admin', async () => {
    const issueFails = async (json: unknown, path: string): Promise<void> => {
      const reply = await api<ErrorReply>(hub, 'POST', '/api/v1/enrolment-tokens', { json });
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('E_VALIDATION');
      expect(reply.body.error.details?.map((detail) => detail.path)).toContain(path);
    };
    const good = { ring: 'web-x', maxEnrolments: 1, ttlS: 600 };
    await issueFails({ maxEnrolments: 1, ttlS: 600 }, 'ring');
    await issueFails({ ...good, ring: 'no spaces' }, 'ring');
    await issueFails({ ...good, maxEnrolments: 0 }, 'maxEnrolments');
    await issueFails({ ...good, maxEnrolments: 100_001 }, 'maxEnrolments');
    await issueFails({ ...good, ttlS: 59 }, 'ttlS');
    await issueFails({ ...good, ttlS: 30 * 86_400 + 1 }, 'ttlS');
    await issueFails({ ...good, tags: { kind: 'phone' } }, 'tags');
    await issueFails({ ...good, label: 'x'.repeat(201) }, 'label');

    for (const body of [{}, { token: 'short' }, { token: 42 }]) {
      const reply = await enrolFrom('127.0.0.1', body);
      expect(reply.status).toBe(400);
      expect(reply.body.error.details?.map((detail) => detail.path)).toEqual(['token']);
    }
    const badId = await api<ErrorReply>(hub, 'DELETE', '/api/v1/enrolment-tokens/not-a-uuid');
    expect(badId.status).toBe(400);
    expect(badId.body.error.details?.map((detail) => detail.path)).toEqual(['id']);

    expect((await api(hub, 'POST', '/api/v1/enrolment-tokens', { json: good, token: null })).status).toBe(401);
    expect((await api(hub, 'GET', '/api/v1/enrolment-tokens', { token: null })).status).toBe(401);
  });

  it('throttles an address after repeated failures, before looking at the token; other addresses carry on', async () => {
    const issued = await issue({ ring: 'web-throttle' });
    issuedTokens.push(issued.token);
    const flooder = '127.0.0.9';
    const statuses: number[] = [];
    for (let i = 0; i < ENROL_LIMITS.perSource.capacity + 2; i++) statuses.push((await enrolWith(unknownToken(), flooder)).status);
    expect(statuses).toEqual([...Array<number>(ENROL_LIMITS.perSource.capacity).fill(401), 429, 429]);

    const refused = await enrolWith(issued.token, flooder);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('E_THROTTLED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await tokenView(issued.id)).toMatchObject({ used: 0 });

    expect((await enrolWith(issued.token, '127.0.0.10')).status).toBe(201);
  });

  it("a browser's credential works over MQTT over WebSocket and cannot reach another device's topics", async () => {
    await enrol(hub, 'enrol-neighbour');
    const issued = await issue({ ring: 'web-mqtt' });
    issuedTokens.push(issued.token);
    const { body: page } = await enrolWith(issued.token);
    const options = { protocolVersion: 4 as const, reconnectPeriod: 0, connectTimeout: 10_000 };
    const client: MqttClient = await connectAsync(page.mqttWsUrl, { ...options, clientId: page.id, username: page.id, password: page.secret });
    try {
      const granted = await client.subscribeAsync(`ef/v1/d/${page.id}/desired`, { qos: 1 });
      expect(granted.map((grant) => grant.qos)).toEqual([1]);
      for (const filter of ['ef/v1/d/enrol-neighbour/desired', 'ef/v1/d/enrol-neighbour/#', 'ef/v1/d/+/state', '#']) {
        await expect(client.subscribeAsync(filter, { qos: 1 })).rejects.toThrow(/Subscribe error/);
      }
      expect(client.connected).toBe(true);
    } finally {
      await client.endAsync(true);
    }
    // Its secret opens its own session only: not the neighbour's client id.
    await expect(connectAsync(page.mqttWsUrl, { ...options, clientId: 'enrol-neighbour', username: page.id, password: page.secret })).rejects.toMatchObject({ code: 4 });
  });
});
