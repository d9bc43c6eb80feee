/**
 * Scoped admin tokens (issue 16, "Admin access with scopes") on a real hub over real HTTP (SQLite,
 * or PostgreSQL in the PostgreSQL pass): every route states its scope, and every route holds a
 * read and an operator token to it; tokens are created (the secret once), listed (never the
 * secret), rotated and revoked with effect at once, expire, and act in the audit trail under
 * their name; the database keeps only their hashes; a console session has its token's scope.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Hub } from '../src/index';
import { ROUTE_SPECS } from '../src/http/app';
import type { RouteSpec } from '../src/http/openapi';
import { SCOPES, type Scope } from '../src/services/admin-tokens/scopes';
import { testDatabase } from '../../test/support/test-database';
import { api, enrol, useTestHub, type TempDir } from './support';

interface TokenView {
  id: string;
  name: string;
  scope: Scope;
  state: 'active' | 'expired' | 'revoked';
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  rotatedAt: string | null;
  revokedAt: string | null;
}
interface Issued extends TokenView {
  token: string;
}
interface ErrorReply {
  error: { code: string; message: string; details?: unknown };
}

/** The hub's clock runs this far ahead of the real one (expiry tests move it). */
let clockOffsetMs = 0;
let hub: Hub;
let dir: TempDir;
useTestHub(
  (started) => {
    hub = started.hub;
    dir = started.dir;
  },
  { now: () => new Date(Date.now() + clockOffsetMs) },
);

async function create(name: string, scope: Scope, extra: Record<string, unknown> = {}): Promise<Issued> {
  const reply = await api<Issued>(hub, 'POST', '/api/v1/admin-tokens', { json: { name, scope, ...extra } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body;
}
const listTokens = async (): Promise<TokenView[]> => (await api<{ tokens: TokenView[] }>(hub, 'GET', '/api/v1/admin-tokens')).body.tokens;
const viewOf = async (id: string): Promise<TokenView | undefined> => (await listTokens()).find((token) => token.id === id);

/** A request with the token, whose body is not awaited past the status (the live stream never ends). */
async function statusWith(token: string, method: string, path: string): Promise<{ status: number; body: ErrorReply | null }> {
  const response = await fetch(`${hub.httpUrl}${path}`, { method: method.toUpperCase(), headers: { authorization: `Bearer ${token}` } });
  if (response.headers.get('content-type')?.includes('application/json')) return { status: response.status, body: (await response.json()) as ErrorReply };
  await response.body?.cancel();
  return { status: response.status, body: null };
}

/** A concrete path for a spec's template: placeholders get well-formed values nothing exists under. */
const DUMMY: Record<string, string> = { sha256: 'a'.repeat(64), id: '00000000-0000-4000-8000-000000000000', model: 'scope-model', version: '1', name: 'scope-nothing', action: 'pause', file: 'nothing.wasm' };
const concrete = (spec: RouteSpec): string => spec.path.replace(/\{([^}]+)\}/g, (_, key: string) => DUMMY[key] ?? 'x');
const adminRoutes = (): RouteSpec[] => ROUTE_SPECS.filter((spec) => spec.auth === 'admin' || spec.auth === 'device-or-admin');

describe('scoped admin tokens', () => {
  it('every route states its scope, consistent with who may call it', () => {
    const table = ROUTE_SPECS.map((spec) => ({ route: `${spec.method.toUpperCase()} ${spec.path}`, auth: spec.auth, scope: spec.scope }));
    for (const row of table) {
      expect(row.scope, row.route).toBeDefined();
      if (row.auth === 'admin' || row.auth === 'device-or-admin') expect(SCOPES, row.route).toContain(row.scope);
      else expect(row.scope, row.route).toBe('none');
    }
    // Every read is scope read, but the list of admin tokens (who holds access is for admins).
    const reads = ROUTE_SPECS.filter((spec) => spec.scope !== 'none' && spec.method === 'get');
    expect(reads.filter((spec) => spec.scope !== 'read').map((spec) => spec.path)).toEqual(['/api/v1/admin-tokens']);
    // Routes an admin token opens beside devices are reads (http/auth.ts requireDevice relies on it).
    expect(ROUTE_SPECS.filter((spec) => spec.auth === 'device-or-admin').map((spec) => [spec.method, spec.scope])).toEqual(ROUTE_SPECS.filter((spec) => spec.auth === 'device-or-admin').map(() => ['get', 'read']));
    // What only admin may do.
    const adminOnly = ROUTE_SPECS.filter((spec) => spec.scope === 'admin').map((spec) => `${spec.method.toUpperCase()} ${spec.path}`);
    expect(adminOnly).toEqual(
      expect.arrayContaining([
        'POST /api/v1/devices',
        'POST /api/v1/devices/{id}/secret',
        'DELETE /api/v1/devices/{id}',
        'POST /api/v1/enrolment-tokens',
        'DELETE /api/v1/enrolment-tokens/{id}',
        'POST /api/v1/admin-tokens',
        'GET /api/v1/admin-tokens',
        'POST /api/v1/admin-tokens/{id}/rotate',
        'DELETE /api/v1/admin-tokens/{id}',
      ]),
    );
    // Trust and keys routes, whenever they exist, are admin.
    for (const spec of ROUTE_SPECS.filter((candidate) => candidate.path.startsWith('/api/v1/trust') && candidate.method !== 'get')) expect(spec.scope, spec.path).toBe('admin');
  });

  it('names the scope of each operation in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${hub.httpUrl}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { security: unknown; 'x-edgefleet-scope'?: string }>> };
    for (const spec of ROUTE_SPECS.filter((candidate) => candidate.scope !== 'none')) {
      const operation = doc.paths[spec.path]?.[spec.method];
      expect(operation?.['x-edgefleet-scope'], `${spec.method} ${spec.path}`).toBe(spec.scope);
      expect(operation?.security).toContainEqual({ adminToken: [spec.scope] });
    }
    expect(doc.paths['/api/v1/rollouts']?.post?.security).toEqual([{ adminToken: ['operator'] }]);
    expect(doc.paths['/healthz']?.get?.['x-edgefleet-scope']).toBeUndefined();
  });

  it('holds a read token and an operator token to the scope of every route they call', async () => {
    const read = await create('table-read', 'read');
    const operator = await create('table-operator', 'operator');
    const refusals: string[] = [];
    for (const spec of adminRoutes()) {
      const path = concrete(spec);
      const route = `${spec.method.toUpperCase()} ${spec.path}`;
      for (const [holder, scope] of [
        [read.token, 'read'],
        [operator.token, 'operator'],
      ] as const) {
        const reply = await statusWith(holder, spec.method, path);
        const allowed = scope === 'operator' ? spec.scope !== 'admin' : spec.scope === 'read';
        if (allowed) {
          expect([401, 403], `${route} with a ${scope} token: ${JSON.stringify(reply.body)}`).not.toContain(reply.status);
        } else {
          expect(reply.status, `${route} with a ${scope} token`).toBe(403);
          expect(reply.body?.error.code).toBe('E_FORBIDDEN');
          expect(reply.body?.error.details).toEqual({ needed: spec.scope, scope });
          expect(reply.body?.error.message).toContain(`needs an admin token of scope ${spec.scope}; admin token table-${scope} has scope ${scope}`);
          refusals.push(`${scope} ${route}`);
        }
      }
    }
    // Representative rows of the table, so a change of scope shows here too.
    expect(refusals).toEqual(expect.arrayContaining(['read POST /api/v1/rollouts', 'read PUT /api/v1/devices/{id}/assignment', 'read POST /api/v1/models/{model}/versions', 'operator POST /api/v1/devices', 'operator POST /api/v1/enrolment-tokens', 'operator GET /api/v1/admin-tokens']));
    expect(refusals).not.toContain('read GET /api/v1/devices');
    // A path no route serves is a 404 for any token.
    expect((await statusWith(read.token, 'get', '/api/v1/no-such-thing')).status).toBe(404);
  });

  it('creates a token shown once, lists it without the secret, and names it in the audit trail', async () => {
    const issued = await create('ci-deploy', 'operator');
    expect(issued.token).toMatch(/^efa_[A-Za-z0-9_-]{43}$/);
    expect(issued).toMatchObject({ name: 'ci-deploy', scope: 'operator', state: 'active', createdBy: 'admin', expiresAt: null, lastUsedAt: null, revokedAt: null });
    const listed = await viewOf(issued.id);
    expect(listed).toEqual({ ...issued, token: undefined, lastUsedAt: null });
    expect(JSON.stringify(await listTokens())).not.toContain(issued.token);

    // It acts under its own name; the bootstrap token stays `admin`.
    const ring = await api(hub, 'PUT', '/api/v1/rings/tokens-canary', { json: { position: 40 }, token: issued.token });
    expect(ring.status).toBe(200);
    const audit = await api<{ entries: Array<{ actor: string; action: string; subject: string; details: unknown }> }>(hub, 'GET', '/api/v1/audit?subject=ring:tokens-canary');
    expect(audit.body.entries.map((entry) => entry.actor)).toEqual(['token:ci-deploy']);
    const created = await api<{ entries: Array<{ actor: string; action: string; details: unknown }> }>(hub, 'GET', `/api/v1/audit?subject=admin-token:${issued.id}`);
    expect(created.body.entries).toEqual([expect.objectContaining({ actor: 'admin', action: 'admin-token.created', details: { name: 'ci-deploy', scope: 'operator', expiresAt: null } })]);
    expect(JSON.stringify(created.body)).not.toContain(issued.token);
    // Its use is recorded (to the minute).
    await expect.poll(async () => (await viewOf(issued.id))?.lastUsedAt ?? null).not.toBeNull();

    // An admin-scoped token may make tokens; they are made by it.
    const admin = await create('ops-lead', 'admin');
    const made = await api<Issued>(hub, 'POST', '/api/v1/admin-tokens', { json: { name: 'made-by-lead', scope: 'read' }, token: admin.token });
    expect(made.status).toBe(201);
    expect(made.body.createdBy).toBe('token:ops-lead');
  });

  it('rotates a token: the new secret works, the old one is refused at once', async () => {
    const issued = await create('rotating', 'read');
    expect((await api(hub, 'GET', '/api/v1/devices', { token: issued.token })).status).toBe(200);
    const rotated = await api<Issued>(hub, 'POST', `/api/v1/admin-tokens/${issued.id}/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ id: issued.id, name: 'rotating', scope: 'read', state: 'active' });
    expect(rotated.body.token).not.toBe(issued.token);
    expect(rotated.body.rotatedAt).not.toBeNull();
    const old = await api<ErrorReply>(hub, 'GET', '/api/v1/devices', { token: issued.token });
    expect(old.status).toBe(401);
    expect(old.body.error.code).toBe('E_UNAUTHORIZED');
    expect((await api(hub, 'GET', '/api/v1/devices', { token: rotated.body.token })).status).toBe(200);
    const audit = await api<{ entries: Array<{ action: string }> }>(hub, 'GET', `/api/v1/audit?subject=admin-token:${issued.id}`);
    expect(audit.body.entries.map((entry) => entry.action)).toEqual(['admin-token.rotated', 'admin-token.created']);
  });

  it('revokes a token at once and for good; revoking again changes nothing; a revoked token cannot be rotated', async () => {
    const issued = await create('revoked-soon', 'operator');
    expect((await api(hub, 'GET', '/api/v1/overview', { token: issued.token })).status).toBe(200);
    const revoked = await api<TokenView>(hub, 'DELETE', `/api/v1/admin-tokens/${issued.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ state: 'revoked' });
    expect((await api(hub, 'GET', '/api/v1/overview', { token: issued.token })).status).toBe(401);
    const again = await api<TokenView>(hub, 'DELETE', `/api/v1/admin-tokens/${issued.id}`);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    const audit = await api<{ entries: Array<{ action: string }> }>(hub, 'GET', `/api/v1/audit?subject=admin-token:${issued.id}`);
    expect(audit.body.entries.map((entry) => entry.action)).toEqual(['admin-token.revoked', 'admin-token.created']);
    const rotate = await api<ErrorReply>(hub, 'POST', `/api/v1/admin-tokens/${issued.id}/rotate`);
    expect(rotate.status).toBe(409);
    expect(rotate.body.error.message).toContain('revoked-soon is revoked');
    // The name stays taken: the audit trail keeps naming one holder.
    const reused = await api<ErrorReply>(hub, 'POST', '/api/v1/admin-tokens', { json: { name: 'revoked-soon', scope: 'read' } });
    expect(reused.status).toBe(409);
    expect((await api(hub, 'DELETE', '/api/v1/admin-tokens/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('expires a token with a lifetime', async () => {
    const issued = await create('short-lived', 'read', { ttlS: 60 });
    expect(new Date(issued.expiresAt ?? '').getTime() - new Date(issued.createdAt).getTime()).toBe(60_000);
    expect((await api(hub, 'GET', '/api/v1/devices', { token: issued.token })).status).toBe(200);
    clockOffsetMs += 61_000;
    try {
      expect((await api(hub, 'GET', '/api/v1/devices', { token: issued.token })).status).toBe(401);
      expect((await viewOf(issued.id))?.state).toBe('expired');
    } finally {
      clockOffsetMs -= 61_000;
    }
  });

  it('names the field of every bad request', async () => {
    const fails = async (json: unknown, field: string): Promise<void> => {
      const reply = await api<ErrorReply>(hub, 'POST', '/api/v1/admin-tokens', { json });
      expect(reply.status, JSON.stringify(json)).toBe(400);
      expect((reply.body.error.details as Array<{ path: string }>).map((detail) => detail.path)).toContain(field);
    };
    await fails({ scope: 'read' }, 'name');
    await fails({ name: 'has space', scope: 'read' }, 'name');
    await fails({ name: 'x'.repeat(65), scope: 'read' }, 'name');
    await fails({ name: 'ok', scope: 'root' }, 'scope');
    await fails({ name: 'ok', scope: 'read', ttlS: 59 }, 'ttlS');
    await fails({ name: 'ok', scope: 'read', ttlS: 367 * 86_400 }, 'ttlS');
    await fails({ name: 'ok', scope: 'read', extra: true }, '');
    const badId = await api<ErrorReply>(hub, 'POST', '/api/v1/admin-tokens/not-a-uuid/rotate');
    expect(badId.status).toBe(400);
    expect(await api(hub, 'GET', '/api/v1/admin-tokens', { token: null })).toMatchObject({ status: 401 });
  });

  it('keeps only hashes in the database: no token, no session secret, in any row', async () => {
    const issued = await create('hash-only', 'read');
    const signedIn = await fetch(`${hub.httpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: issued.token }) });
    expect(signedIn.status).toBe(201);
    const cookieSecret = (signedIn.headers.get('set-cookie') ?? '').split(';')[0]?.split('=')[1] ?? '';
    expect(cookieSecret.length).toBeGreaterThan(40);
    const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

    const { databaseUrl } = await testDatabase(dir.path);
    let rows: { tokens: Array<Record<string, unknown>>; sessions: Array<Record<string, unknown>>; everything: string };
    if (databaseUrl === undefined) {
      const db = new Database(join(dir.path, 'edgefleet.db'), { readonly: true });
      try {
        const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((table) => table.name);
        rows = {
          tokens: db.prepare('SELECT * FROM admin_tokens WHERE name = ?').all('hash-only') as Array<Record<string, unknown>>,
          sessions: db.prepare('SELECT * FROM admin_sessions WHERE token_id = ?').all(issued.id) as Array<Record<string, unknown>>,
          everything: JSON.stringify(tables.map((table) => db.prepare(`SELECT * FROM "${table}"`).all())),
        };
      } finally {
        db.close();
      }
      // Nor in the bytes of the files (the write-ahead log included).
      for (const file of ['edgefleet.db', 'edgefleet.db-wal']) {
        const bytes = await readFile(join(dir.path, file)).catch(() => Buffer.alloc(0));
        expect(bytes.includes(Buffer.from(issued.token)), file).toBe(false);
        expect(bytes.includes(Buffer.from(cookieSecret)), file).toBe(false);
      }
    } else {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        const tables = (await client.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).rows.map((row) => row.tablename);
        const everything: unknown[] = [];
        for (const table of tables) everything.push((await client.query(`SELECT * FROM "${table}"`)).rows);
        rows = {
          tokens: (await client.query('SELECT * FROM admin_tokens WHERE name = $1', ['hash-only'])).rows,
          sessions: (await client.query('SELECT * FROM admin_sessions WHERE token_id = $1', [issued.id])).rows,
          everything: JSON.stringify(everything),
        };
      } finally {
        await client.end();
      }
    }
    expect(rows.tokens).toEqual([expect.objectContaining({ id: issued.id, scope: 'read', token_hash: sha(issued.token) })]);
    expect(rows.sessions).toEqual([expect.objectContaining({ id_hash: sha(cookieSecret), scope: 'read', token_id: issued.id })]);
    expect(rows.everything).not.toContain(issued.token);
    expect(rows.everything).not.toContain(cookieSecret);
  });

  it('gives a console session the scope of its token, and ends it when the token is revoked', async () => {
    const issued = await create('console-reader', 'read');
    const signIn = await fetch(`${hub.httpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: issued.token }) });
    expect(signIn.status).toBe(201);
    const session = (await signIn.json()) as { csrfToken: string; scope: Scope; token: { id: string; name: string } | null };
    expect(session).toMatchObject({ scope: 'read', token: { id: issued.id, name: 'console-reader' } });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const withCookie = (method: string, path: string, body?: unknown) =>
      fetch(`${hub.httpUrl}${path}`, { method, headers: { cookie, 'x-csrf-token': session.csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

    expect(await (await withCookie('GET', '/api/v1/session')).json()).toMatchObject({ scope: 'read', token: { name: 'console-reader' } });
    expect((await withCookie('GET', '/api/v1/devices')).status).toBe(200);
    const refused = await withCookie('PUT', '/api/v1/rings/console-ring', { position: 41 });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as ErrorReply).error.details).toEqual({ needed: 'operator', scope: 'read' });

    // A link made in this session opens a session of the same scope, never more.
    const link = await withCookie('POST', '/api/v1/session/links', {});
    expect(link.status).toBe(201);
    const { code } = (await link.json()) as { code: string };
    const viaLink = await fetch(`${hub.httpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ link: code }) });
    expect(await viaLink.json()).toMatchObject({ scope: 'read', token: { name: 'console-reader' } });

    // The bootstrap token's session is admin, with no token named.
    const bootstrap = await fetch(`${hub.httpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: hub.adminToken }) });
    expect(await bootstrap.json()).toMatchObject({ scope: 'admin', token: null });

    const unusedLink = (await (await withCookie('POST', '/api/v1/session/links', {})).json()) as { code: string };
    expect((await api(hub, 'DELETE', `/api/v1/admin-tokens/${issued.id}`)).status).toBe(200);
    const after = await withCookie('GET', '/api/v1/devices');
    expect(after.status).toBe(401);
    expect(((await after.json()) as ErrorReply).error.message).toContain('this console session has ended');
    const spent = await fetch(`${hub.httpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ link: unusedLink.code }) });
    expect(spent.status).toBe(401);
  });

  it('lets a read token fetch what devices fetch, and enrol nothing', async () => {
    const issued = await create('artifact-reader', 'read');
    expect((await statusWith(issued.token, 'get', `/artifacts/${'b'.repeat(64)}`)).status).toBe(404);
    expect((await statusWith(issued.token, 'get', `/device/v1/releases/${'b'.repeat(64)}`)).status).toBe(404);
    const enrolled = await api<ErrorReply>(hub, 'POST', '/api/v1/devices', { json: { id: 'scoped-enrol' }, token: issued.token });
    expect(enrolled.status).toBe(403);
    expect(enrolled.body.error.message).toContain('needs an admin token of scope admin; admin token artifact-reader has scope read');
    // The bootstrap token keeps every scope.
    expect(await enrol(hub, 'scoped-enrol')).toMatch(/.+/);
  });
});
