/**
 * Scoped admin tokens (issue 16): created, listed, rotated and revoked through the admin API,
 * beside the bootstrap token of the data dir (EDGEFLEET_ADMIN_TOKEN or data/admin-token), which
 * keeps scope admin and is changed by replacing it and restarting.
 *
 * A token is 256 random bits and only its SHA-256 is stored. A plain hash is right here, unlike
 * for passwords: a key-derivation function exists to make guessing a low-entropy secret from its
 * hash slow, and nobody guesses 256 random bits, slow hash or fast. The fast hash lets every
 * request find its token with one indexed lookup, and a copy of the database still authenticates
 * nobody. The lookup compares hashes, so its timing tells an attacker nothing about a token.
 *
 * Every check reads the row: a rotation or revocation holds on every replica at once. Rotating or
 * revoking also ends the console sessions and unused sign-in links the token opened.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { writeAudit } from '../../adapters/db/audit';
import { adminTokenByName, countLiveAdminTokens, deleteSessionsOfToken, getAdminToken, insertAdminToken, listAdminTokens, liveAdminTokenByHash, revokeAdminTokenRow, rotateAdminTokenHash, touchAdminToken, type AdminTokenRow } from '../../adapters/db/admin-tokens';
import type { Db } from '../../adapters/db/db';
import { safeEqual } from '../../adapters/secrets';
import { conflict, HubError, notFound } from '../../core/errors';
import type { HubContext } from '../context';
import type { Scope } from './scopes';

/** Who an admin request acts as: the bootstrap token (`token: null`) or a scoped token. */
export interface AdminIdentity {
  scope: Scope;
  token: { id: string; name: string } | null;
  /** when the token stops working (a session it opens ends by then too); null: until revoked */
  expiresAt: string | null;
}

const BOOTSTRAP_IDENTITY: AdminIdentity = { scope: 'admin', token: null, expiresAt: null };

/** The identity a live token row gives. */
export const identityOfRow = (row: Pick<AdminTokenRow, 'id' | 'name' | 'scope' | 'expiresAt'>): AdminIdentity => ({ scope: row.scope, token: { id: row.id, name: row.name }, expiresAt: row.expiresAt });

/** What the audit trail names: `admin` for the bootstrap token, `token:<name>` for the others. */
export const actorOfIdentity = (identity: AdminIdentity): string => (identity.token ? `token:${identity.token.name}` : 'admin');

export type AdminTokenState = 'active' | 'expired' | 'revoked';

export interface AdminTokenView {
  id: string;
  name: string;
  scope: Scope;
  state: AdminTokenState;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  rotatedAt: string | null;
  revokedAt: string | null;
}

export interface CreateInput {
  name: string;
  scope: Scope;
  /** seconds from now; absent: until revoked */
  ttlS?: number;
}

/** Live tokens at most: the list stays one page, and a script gone wrong cannot fill the table. */
const MAX_LIVE_ADMIN_TOKENS = 1_000;
/** Recognisable in a leaked log or a secret scanner's rules; the rest is 256 random bits. */
const ADMIN_TOKEN_PREFIX = 'efa_';
/** `last used` is written at most this often per token and replica: a script's every request is no write. */
const LAST_USED_EVERY_MS = 60_000;

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');
const newSecret = (): string => `${ADMIN_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;

function stateOf(row: AdminTokenRow, now: string): AdminTokenState {
  if (row.revokedAt !== null) return 'revoked';
  if (row.expiresAt !== null && row.expiresAt <= now) return 'expired';
  return 'active';
}

function toView(row: AdminTokenRow, now: string): AdminTokenView {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    state: stateOf(row, now),
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    lastUsedAt: row.lastUsedAt,
    expiresAt: row.expiresAt,
    rotatedAt: row.rotatedAt,
    revokedAt: row.revokedAt,
  };
}

type Deps = Pick<HubContext, 'db' | 'now'>;

/** A new token, returned once with its view; only its hash is kept. */
export async function createAdminToken(ctx: Deps, input: CreateInput, actor: string): Promise<AdminTokenView & { token: string }> {
  const now = ctx.now();
  const token = newSecret();
  const row: AdminTokenRow = {
    id: randomUUID(),
    name: input.name,
    scope: input.scope,
    tokenHash: hashOf(token),
    createdAt: now.toISOString(),
    createdBy: actor,
    expiresAt: input.ttlS === undefined ? null : new Date(now.getTime() + input.ttlS * 1000).toISOString(),
    lastUsedAt: null,
    rotatedAt: null,
    revokedAt: null,
  };
  await ctx.db.transaction(async (tx) => {
    if (await adminTokenByName(tx, input.name)) throw conflict(`an admin token named ${input.name} exists (names stay taken after revocation, so the audit trail keeps naming one holder): choose another name`);
    if ((await countLiveAdminTokens(tx, row.createdAt)) >= MAX_LIVE_ADMIN_TOKENS) throw conflict(`at most ${MAX_LIVE_ADMIN_TOKENS} live admin tokens: revoke some first`);
    await insertAdminToken(tx, row);
    await writeAudit(tx, { at: now, actor, action: 'admin-token.created', subject: `admin-token:${row.id}`, details: { name: row.name, scope: row.scope, expiresAt: row.expiresAt } });
  }).catch((error: unknown) => {
    // Two replicas creating the same name at once: the unique index decides, the loser hears why.
    if (!(error instanceof HubError) && /unique|duplicate/i.test(error instanceof Error ? error.message : String(error))) throw conflict(`an admin token named ${input.name} exists: choose another name`);
    throw error;
  });
  return { ...toView(row, row.createdAt), token };
}

/** Every token, newest first, with its state; never the token itself (it is not kept). */
export async function listAdminTokenViews(ctx: Deps): Promise<AdminTokenView[]> {
  const now = ctx.now().toISOString();
  return (await listAdminTokens(ctx.db)).map((row) => toView(row, now));
}

/** A new secret for a live token, returned once; the old one is refused from this commit on, and its sessions end. */
export async function rotateAdminToken(ctx: Deps, id: string, actor: string): Promise<AdminTokenView & { token: string }> {
  const now = ctx.now();
  const token = newSecret();
  const rotated = await ctx.db.transaction(async (tx) => {
    const row = await rotateAdminTokenHash(tx, id, hashOf(token), now.toISOString());
    if (!row) return undefined;
    await deleteSessionsOfToken(tx, id);
    await writeAudit(tx, { at: now, actor, action: 'admin-token.rotated', subject: `admin-token:${id}`, details: { name: row.name, scope: row.scope } });
    return row;
  });
  if (!rotated) {
    const existing = await getAdminToken(ctx.db, id);
    if (!existing) throw notFound(`admin token ${id}`);
    throw conflict(`admin token ${existing.name} is ${stateOf(existing, now.toISOString())}: only an active token can be rotated; create a new one`);
  }
  return { ...toView(rotated, now.toISOString()), token };
}

/** Refuses the token from now on and ends its sessions. Idempotent: a repeat keeps the first time and writes no audit row. */
export async function revokeAdminToken(ctx: Deps, id: string, actor: string): Promise<AdminTokenView> {
  const now = ctx.now();
  const result = await ctx.db.transaction(async (tx) => {
    const revoked = await revokeAdminTokenRow(tx, id, now.toISOString());
    if (revoked?.revokedNow) {
      await deleteSessionsOfToken(tx, id);
      await writeAudit(tx, { at: now, actor, action: 'admin-token.revoked', subject: `admin-token:${id}`, details: { name: revoked.row.name, scope: revoked.row.scope } });
    }
    return revoked;
  });
  if (!result) throw notFound(`admin token ${id}`);
  return toView(result.row, now.toISOString());
}

const lastUsedWrites = new WeakMap<Db, Map<string, number>>();

/**
 * Who presents `token`: the bootstrap token, a live scoped token, or nobody (null). Marks a
 * scoped token used (at most once a minute per replica, after answering: the request never waits
 * for that write, and a failed write only loses the mark).
 */
export async function identityOfToken(ctx: Pick<HubContext, 'db' | 'now' | 'adminToken' | 'logger'>, token: string): Promise<AdminIdentity | null> {
  if (safeEqual(token, ctx.adminToken)) return BOOTSTRAP_IDENTITY;
  // Only our own format is looked up: anything else is refused without a query.
  if (!token.startsWith(ADMIN_TOKEN_PREFIX) || token.length > 128) return null;
  const now = ctx.now();
  const row = await liveAdminTokenByHash(ctx.db, hashOf(token), now.toISOString());
  if (!row) return null;
  const writes = lastUsedWrites.get(ctx.db) ?? new Map<string, number>();
  lastUsedWrites.set(ctx.db, writes);
  const last = writes.get(row.id);
  if (last === undefined || now.getTime() - last >= LAST_USED_EVERY_MS) {
    writes.set(row.id, now.getTime());
    touchAdminToken(ctx.db, row.id, now.toISOString()).catch((error: unknown) => ctx.logger.warn('admin token: could not record its last use', { tokenId: row.id, error: error instanceof Error ? error.message : String(error) }));
  }
  return identityOfRow(row);
}
