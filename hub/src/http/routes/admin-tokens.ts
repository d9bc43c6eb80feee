/**
 * Scoped admin tokens (issue 16) under /api/v1/admin-tokens: create (the token is returned
 * once), list (never the token), rotate (a new token once; the old one is refused at once) and
 * revoke. All of it needs scope admin (services/admin-tokens/scopes.ts).
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { createAdminToken, listAdminTokenViews, revokeAdminToken, rotateAdminToken } from '../../services/admin-tokens/admin-tokens';
import { SCOPE_SUMMARY, SCOPES } from '../../services/admin-tokens/scopes';
import type { HubContext } from '../../services/context';
import { actorOf, type AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { parseInput, readJsonBody } from '../validate';

/** The longest a token may be made to live, when it is given a lifetime at all. */
const MAX_ADMIN_TOKEN_TTL_S = 366 * 24 * 60 * 60;

const scopeSchema = z.enum(SCOPES).describe(`read: ${SCOPE_SUMMARY.read}; operator: ${SCOPE_SUMMARY.operator}; admin: ${SCOPE_SUMMARY.admin}`);

const createBody = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a name of 1 to 64 letters, digits, dots, dashes and underscores, starting with a letter or digit')
    .describe('who or what holds it; the audit trail names its actions token:<name>; unique for good'),
  scope: scopeSchema,
  ttlS: z.number().int().min(60).max(MAX_ADMIN_TOKEN_TTL_S).optional().describe('seconds it stays valid (60 s to 366 days); absent: until revoked'),
});
const tokenParams = z.object({ id: z.uuid() });

const tokenView = z.object({
  id: z.uuid(),
  name: z.string(),
  scope: z.enum(SCOPES),
  state: z.enum(['active', 'expired', 'revoked']).describe('revoked, else expired, else active'),
  createdAt: z.string(),
  createdBy: z.string().describe('the audit actor that created it'),
  lastUsedAt: z.string().nullable().describe('to the minute'),
  expiresAt: z.string().nullable(),
  rotatedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
const issuedToken = tokenView.extend({ token: z.string().describe('shown once: the hub keeps only its SHA-256') });
const tokenList = z.object({ tokens: z.array(tokenView).describe('newest first; the tokens themselves are never shown again') });

export const adminTokenSpecs: RouteSpec[] = [
  { method: 'post', path: '/api/v1/admin-tokens', summary: 'Create an admin token of scope read, operator or admin, optionally expiring; the token is returned once', auth: 'admin', scope: 'admin', body: createBody, responses: { 201: { description: 'created', schema: issuedToken }, 409: { description: 'the name is taken (also by a revoked token), or too many live tokens' } } },
  { method: 'get', path: '/api/v1/admin-tokens', summary: 'Admin tokens with their scope, state and last use (never the tokens)', auth: 'admin', scope: 'admin', responses: { 200: { description: 'the tokens', schema: tokenList } } },
  {
    method: 'post',
    path: '/api/v1/admin-tokens/{id}/rotate',
    summary: 'A new secret for an active token, returned once: the old one is refused from now on, and console sessions it opened end',
    auth: 'admin',
    scope: 'admin',
    params: tokenParams,
    responses: { 200: { description: 'rotated', schema: issuedToken }, 409: { description: 'the token is revoked or expired' } },
  },
  { method: 'delete', path: '/api/v1/admin-tokens/{id}', summary: 'Revoke an admin token: refused from now on, its console sessions end (idempotent)', auth: 'admin', scope: 'admin', params: tokenParams, responses: { 200: { description: 'revoked', schema: tokenView } } },
];

export function registerAdminTokens(app: Hono<AppEnv>, ctx: HubContext): void {
  app.post('/api/v1/admin-tokens', async (c) => {
    const { name, scope, ttlS } = parseInput(createBody, await readJsonBody(c));
    return c.json(await createAdminToken(ctx, { name, scope, ...(ttlS === undefined ? {} : { ttlS }) }, actorOf(c.get('principal'))), 201);
  });
  app.get('/api/v1/admin-tokens', async (c) => c.json({ tokens: await listAdminTokenViews(ctx) }));
  app.post('/api/v1/admin-tokens/:id/rotate', async (c) => {
    const { id } = parseInput(tokenParams, c.req.param());
    return c.json(await rotateAdminToken(ctx, id, actorOf(c.get('principal'))));
  });
  app.delete('/api/v1/admin-tokens/:id', async (c) => {
    const { id } = parseInput(tokenParams, c.req.param());
    return c.json(await revokeAdminToken(ctx, id, actorOf(c.get('principal'))));
  });
}
