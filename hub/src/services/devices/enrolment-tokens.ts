/**
 * Browser enrolment tokens (issue 14): an operator issues a token scoped to a ring, a number of
 * enrolments and a lifetime; a page presents it once and becomes an ordinary device (enrolDevice:
 * the same keyed-hash secret, broker account, ACL and audit as any other). The token is shown
 * once and stored only as its SHA-256; a use is claimed in one conditional update, so the
 * maximum holds however many pages or replicas race for it. A refused token is refused with one
 * message whatever the reason (unknown, expired, revoked or used up), so presenting tokens tells
 * an outsider nothing; the reason goes to the log and, for a token that exists, to its audit trail.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { writeAudit } from '../../adapters/db/audit';
import { claimEnrolmentToken, enrolmentTokenByHash, insertEnrolmentToken, listEnrolmentTokens, releaseEnrolmentToken, revokeEnrolmentToken as revokeRow, type EnrolmentTokenRow } from '../../adapters/db/enrolment-tokens';
import { HubError, notFound } from '../../core/errors';
import { BROWSER_KIND } from '../../core/rollouts/plan';
import type { HubContext } from '../context';
import { enrolDevice } from './devices';

/** The tag every device enrolled with a token carries (beside the token's own tags). */
export const BROWSER_TAGS: Readonly<Record<string, string>> = { [BROWSER_KIND.key]: BROWSER_KIND.value };

export type EnrolmentTokenState = 'active' | 'expired' | 'revoked' | 'exhausted';

export interface EnrolmentTokenView {
  id: string;
  ring: string;
  tags: Record<string, string>;
  label: string;
  maxEnrolments: number;
  used: number;
  remaining: number;
  state: EnrolmentTokenState;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

export interface IssueInput {
  ring: string;
  maxEnrolments: number;
  ttlS: number;
  label: string;
  tags: Record<string, string>;
}

export interface TokenEnrolment {
  id: string;
  secret: string;
  ring: string;
}

/** Why a token was refused: for the log and audit only, never for the caller. */
export type RefusalReason = 'unknown' | 'expired' | 'revoked' | 'exhausted';

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `web-` and 12 random base32 characters (60 bits): 256 is a multiple of 32, so `& 31` is unbiased. */
function browserDeviceId(): string {
  return `web-${Array.from(randomBytes(12), (byte) => BASE32[byte & 31]).join('')}`;
}

/** Revoked beats expired beats used up: the state an operator acted on shows first. */
function stateOf(row: EnrolmentTokenRow, now: string): EnrolmentTokenState {
  if (row.revokedAt !== null) return 'revoked';
  if (row.expiresAt <= now) return 'expired';
  if (row.used >= row.maxEnrolments) return 'exhausted';
  return 'active';
}

function toView(row: EnrolmentTokenRow, now: string): EnrolmentTokenView {
  return {
    id: row.id,
    ring: row.ring,
    tags: row.tags,
    label: row.label,
    maxEnrolments: row.maxEnrolments,
    used: row.used,
    remaining: Math.max(0, row.maxEnrolments - row.used),
    state: stateOf(row, now),
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
  };
}

/** A new token, returned once with its view; only its hash is kept. */
export async function issueEnrolmentToken(ctx: Pick<HubContext, 'db' | 'now'>, input: IssueInput, actor: string): Promise<EnrolmentTokenView & { token: string }> {
  const now = ctx.now();
  const token = randomBytes(32).toString('base64url');
  const row: EnrolmentTokenRow = {
    id: randomUUID(),
    tokenHash: hashOf(token),
    ring: input.ring,
    tags: input.tags,
    maxEnrolments: input.maxEnrolments,
    used: 0,
    label: input.label,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + input.ttlS * 1000).toISOString(),
    revokedAt: null,
  };
  await ctx.db.transaction(async (tx) => {
    await insertEnrolmentToken(tx, row);
    await writeAudit(tx, { at: now, actor, action: 'enrolment-token.issued', subject: `enrolment-token:${row.id}`, details: { ring: row.ring, tags: row.tags, maxEnrolments: row.maxEnrolments, expiresAt: row.expiresAt, label: row.label } });
  });
  return { ...toView(row, now.toISOString()), token };
}

/** Every token, newest first, with its state; never the token itself (it is not kept). */
export async function listEnrolmentTokenViews(ctx: Pick<HubContext, 'db' | 'now'>): Promise<EnrolmentTokenView[]> {
  const now = ctx.now().toISOString();
  return (await listEnrolmentTokens(ctx.db)).map((row) => toView(row, now));
}

/** Stops the token enrolling anyone from now on (devices it enrolled stay). Idempotent: a repeat keeps the first time and writes no audit row. */
export async function revokeEnrolmentToken(ctx: Pick<HubContext, 'db' | 'now'>, id: string, actor: string): Promise<EnrolmentTokenView> {
  const now = ctx.now();
  const result = await ctx.db.transaction(async (tx) => {
    const revoked = await revokeRow(tx, id, now.toISOString());
    if (revoked?.revokedNow) await writeAudit(tx, { at: now, actor, action: 'enrolment-token.revoked', subject: `enrolment-token:${id}`, details: { used: revoked.row.used, maxEnrolments: revoked.row.maxEnrolments } });
    return revoked;
  });
  if (!result) throw notFound(`enrolment token ${id}`);
  return toView(result.row, now.toISOString());
}

/** What every refusal says, whatever the reason. */
export const ENROLMENT_REFUSED = 'this enrolment token is not valid (unknown, expired, revoked or used up); ask the operator for a new one';

type EnrolDeps = Pick<HubContext, 'db' | 'credentials' | 'provisioner' | 'locks' | 'now' | 'logger'>;

/**
 * Enrols a new browser device with one use of `token`: its id, its secret (shown once) and its
 * ring. E_UNAUTHORIZED (ENROLMENT_REFUSED) when the token cannot be used, whatever the reason.
 */
export async function enrolWithToken(ctx: EnrolDeps, token: string): Promise<TokenEnrolment> {
  const tokenHash = hashOf(token);
  const now = ctx.now();
  const claimed = await claimEnrolmentToken(ctx.db, tokenHash, now.toISOString());
  if (!claimed) throw await refusal(ctx, tokenHash, now);
  const id = browserDeviceId();
  const tags = { ...claimed.tags, ...BROWSER_TAGS };
  try {
    const enrolled = await enrolDevice(ctx, { id, ring: claimed.ring, tags }, `enrolment-token:${claimed.id}`, { enrolmentToken: claimed.id });
    ctx.logger.info('browser enrolled with an enrolment token', { device: id, enrolmentToken: claimed.id, used: claimed.used, maxEnrolments: claimed.maxEnrolments });
    return { id: enrolled.id, secret: enrolled.secret, ring: claimed.ring };
  } catch (error) {
    // Nobody was enrolled: the use goes back, so a failure here costs the operator nothing.
    await releaseEnrolmentToken(ctx.db, claimed.id).catch((releaseError: unknown) => {
      ctx.logger.warn('could not give back an enrolment token use after a failed enrolment', { enrolmentToken: claimed.id, error: String(releaseError) });
    });
    throw error;
  }
}

/** Looks up why the claim failed (for the operator), and returns the one refusal the caller sees. */
async function refusal(ctx: Pick<HubContext, 'db' | 'logger'>, tokenHash: string, now: Date): Promise<HubError> {
  const row = await enrolmentTokenByHash(ctx.db, tokenHash);
  const reason = reasonOf(row, now.toISOString());
  ctx.logger.warn('enrolment token refused', { reason, ...(row ? { enrolmentToken: row.id } : {}) });
  // Only a token that exists gets an audit row: unknown guesses would let anyone grow the trail.
  if (row) await writeAudit(ctx.db, { at: now, actor: 'anonymous', action: 'enrolment-token.refused', subject: `enrolment-token:${row.id}`, details: { reason } });
  return new HubError('E_UNAUTHORIZED', ENROLMENT_REFUSED);
}

function reasonOf(row: EnrolmentTokenRow | undefined, now: string): RefusalReason {
  if (!row) return 'unknown';
  const state = stateOf(row, now);
  // Live again by the second read: the last use was taken by a concurrent claim (and perhaps given back).
  return state === 'active' ? 'exhausted' : state;
}
