/**
 * Browser enrolment tokens (issue 14): the admin issues, lists and revokes them under
 * /api/v1/enrolment-tokens; a page trades one for device credentials at the public
 * `POST /device/v1/enrol` (services/devices/enrolment-tokens.ts).
 *
 * The public route makes the hub look a secret up for an anonymous caller, so its failures are
 * counted per source address like admin sign-ins (core/sign-in-admission over the buckets of
 * device logins: IPv6 counted by /64, only failures take tokens, refused before any database
 * work) and a source never has more lookups in flight than failures left: a thousand guesses
 * sent at once no longer all pass before the first fails (issue 16). A token is 256 random bits,
 * so guessing is hopeless anyway; the bound keeps a flood of guesses from costing the database
 * and the log more than a trickle.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { enrolRequestSchema, enrolResponseSchema } from '@edgefleet/protocol';
import { SignInAdmission, type SignInLimits } from '../../core/sign-in-admission';
import { HubError } from '../../core/errors';
import { enrolWithToken, issueEnrolmentToken, listEnrolmentTokenViews, revokeEnrolmentToken } from '../../services/devices/enrolment-tokens';
import { requestReconcile } from '../../services/rollouts/rollouts';
import type { HubContext } from '../../services/context';
import { actorOf, underSignInLimits, type AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { ringSchema, tagsSchema } from '../schemas';
import { parseInput, readJsonBody } from '../validate';

export const ENROL_PATH = '/device/v1/enrol';

/** Most enrolments one token may allow, and the longest a token may live. */
export const MAX_ENROLMENTS_PER_TOKEN = 100_000;
export const MAX_TOKEN_TTL_S = 30 * 24 * 60 * 60;

/**
 * Failed enrolments per source address: 20 at once, then one every 5 s. A lab of pages behind one
 * NAT address enrolling with a good token never counts (successes are free: beyond 20 at once
 * they wait their turn, they are not refused); a page retrying a dead token is slowed, not locked out.
 */
export const ENROL_LIMITS: SignInLimits = {
  perSource: { capacity: 20, perSecond: 0.2 },
  maxTracked: 10_000,
  maxWaitingPerSource: 256,
  maxWaiting: 4_096,
};

const tokenTags = tagsSchema
  .refine((tags) => !Object.hasOwn(tags, 'kind'), "kind is reserved: every device a token enrols is tagged kind: 'browser'")
  .refine((tags) => Object.keys(tags).length <= 31, 'at most 31 tags (kind: browser is added)');

const issueBody = z.strictObject({
  ring: ringSchema.describe('the ring every device it enrols joins'),
  maxEnrolments: z.number().int().min(1).max(MAX_ENROLMENTS_PER_TOKEN).describe('how many pages may enrol with it'),
  ttlS: z.number().int().min(60).max(MAX_TOKEN_TTL_S).describe('how long it stays usable, in seconds (60 s to 30 days)'),
  label: z.string().max(200).default('').describe("the operator's note: what or whom it is for"),
  tags: tokenTags.default({}).describe("tags for the devices it enrols, beside kind: 'browser'"),
});
const tokenParams = z.object({ id: z.uuid() });

const tokenView = z.object({
  id: z.uuid(),
  ring: z.string(),
  tags: z.record(z.string(), z.string()),
  label: z.string(),
  maxEnrolments: z.number().int(),
  used: z.number().int(),
  remaining: z.number().int(),
  state: z.enum(['active', 'expired', 'revoked', 'exhausted']).describe('revoked, else expired, else exhausted (no enrolments left), else active'),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
});
const issuedToken = tokenView.extend({ token: z.string().describe('shown once: the hub keeps only its SHA-256') });
const tokenList = z.object({ tokens: z.array(tokenView).describe('newest first; the tokens themselves are never shown again') });

export const enrolmentTokenSpecs: RouteSpec[] = [
  { method: 'post', path: '/api/v1/enrolment-tokens', summary: 'Issue a browser enrolment token (scoped to a ring, a number of enrolments and a lifetime); the token is returned once', auth: 'admin', scope: 'admin', body: issueBody, responses: { 201: { description: 'issued', schema: issuedToken } } },
  { method: 'get', path: '/api/v1/enrolment-tokens', summary: 'Browser enrolment tokens with their use and state (never the tokens)', auth: 'admin', scope: 'read', responses: { 200: { description: 'the tokens', schema: tokenList } } },
  { method: 'delete', path: '/api/v1/enrolment-tokens/{id}', summary: 'Revoke an enrolment token: it enrols nobody from now on; devices it enrolled stay (idempotent)', auth: 'admin', scope: 'admin', params: tokenParams, responses: { 200: { description: 'revoked', schema: tokenView } } },
  {
    method: 'post',
    path: ENROL_PATH,
    summary: 'A browser enrols itself with an enrolment token: a new device of its ring, tagged kind: browser; the secret is returned once',
    auth: 'none',
    scope: 'none',
    body: enrolRequestSchema,
    responses: {
      201: { description: 'enrolled', schema: enrolResponseSchema },
      401: { description: 'the token cannot be used (unknown, expired, revoked or used up: deliberately not said which)' },
      429: { description: 'too many failed enrolments from this address; see Retry-After' },
    },
  },
];

export function registerEnrolmentTokens(app: Hono<AppEnv>, ctx: HubContext): void {
  app.post('/api/v1/enrolment-tokens', async (c) => {
    const input = parseInput(issueBody, await readJsonBody(c));
    return c.json(await issueEnrolmentToken(ctx, input, actorOf(c.get('principal'))), 201);
  });
  app.get('/api/v1/enrolment-tokens', async (c) => c.json({ tokens: await listEnrolmentTokenViews(ctx) }));
  app.delete('/api/v1/enrolment-tokens/:id', async (c) => {
    const { id } = parseInput(tokenParams, c.req.param());
    return c.json(await revokeEnrolmentToken(ctx, id, actorOf(c.get('principal'))));
  });

  // This app's (this hub process's) count of failures; each replica keeps its own, as for device logins.
  const admission = new SignInAdmission(ENROL_LIMITS);
  app.post(ENROL_PATH, async (c) => {
    // The body first (bounded, no database work): answering before it is read would leave it on the socket.
    const { token } = parseInput(enrolRequestSchema, await readJsonBody(c));
    // An E_UNAUTHORIZED (unknown, expired, revoked or used-up token) counts as a failure.
    const enrolled = await underSignInLimits(c, admission, ctx.now, 'enrolments', () => enrolWithToken(ctx, token));
    if (enrolled instanceof Response) return enrolled;
    if (!enrolled) throw new HubError('E_INTERNAL', 'enrolment returned nothing');
    // A rollout that already reached the token's ring assigns the new device right away.
    requestReconcile(ctx);
    return c.json({ ...enrolled, hubUrl: ctx.urls.publicUrl, mqttWsUrl: ctx.urls.wsUrl }, 201);
  });
}
