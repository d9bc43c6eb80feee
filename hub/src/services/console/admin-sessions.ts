/**
 * Console sign-in (issue 13): an admin token is exchanged once for a session. The browser keeps
 * a random secret in an HttpOnly, SameSite=Strict cookie; the database keeps only its SHA-256, a
 * CSRF token and an expiry, so every replica knows the session and sign-out ends it everywhere.
 * Scripts keep using the bearer token.
 *
 * A session carries the scope of the token that opened it (issue 16), and ends no later than that
 * token: when it expires, is rotated or is revoked. A sign-in link opens a session of its maker's
 * scope, never more.
 */
import { createHash, randomBytes } from 'node:crypto';
import { deleteAdminSession, insertAdminSession, insertSignInLink, pruneAdminSessions, pruneSignInLinks } from '../../adapters/db/admin-sessions';
import { liveAdminToken, liveSessionWithToken, takeSignInLink } from '../../adapters/db/admin-tokens';
import { adminTokenHint } from '../../adapters/admin-token';
import { HubError } from '../../core/errors';
import { identityOfRow, identityOfToken, type AdminIdentity } from '../admin-tokens/admin-tokens';
import type { HubContext } from '../context';

/** How long a console session lasts from sign-in (at most: its token may expire first). */
export const ADMIN_SESSION_TTL_MS = 8 * 60 * 60_000;

type SessionDeps = Pick<HubContext, 'db' | 'now' | 'adminToken' | 'adminTokenSource' | 'logger'>;

export interface StartedSession {
  /** the cookie's value: shown to the browser once, never stored */
  secret: string;
  csrfToken: string;
  expiresAt: string;
  identity: AdminIdentity;
}

export interface LiveSession {
  csrfToken: string;
  expiresAt: string;
  identity: AdminIdentity;
}

const hashOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');
const randomToken = (): string => randomBytes(32).toString('base64url');

/** The earlier of `fromNow` ms from now and the identity's own end. */
function endOf(now: Date, fromNowMs: number, identity: AdminIdentity): string {
  const end = new Date(now.getTime() + fromNowMs).toISOString();
  return identity.expiresAt !== null && identity.expiresAt < end ? identity.expiresAt : end;
}

/**
 * A new session for whoever presents an admin token (the bootstrap one or a live scoped one);
 * E_UNAUTHORIZED otherwise (the token is never echoed).
 */
export async function signIn(deps: SessionDeps, token: string): Promise<StartedSession> {
  const identity = await identityOfToken(deps, token);
  if (!identity) throw new HubError('E_UNAUTHORIZED', `wrong admin token: ${adminTokenHint(deps.adminTokenSource)}; or a token made with POST /api/v1/admin-tokens`);
  return startSession(deps, identity);
}

/** How long a sign-in link stays usable unless asked otherwise, and at most. */
export const SIGN_IN_LINK_TTL_S = 15 * 60;
export const SIGN_IN_LINK_MAX_TTL_S = 24 * 60 * 60;

/**
 * A one-time sign-in link's code (`npm run demo` prints one): whoever holds an admin token makes
 * it, and the first browser to present it gets a session of the maker's scope. Only its hash is stored.
 */
export async function createSignInLink(deps: Pick<HubContext, 'db' | 'now'>, identity: AdminIdentity, ttlS: number = SIGN_IN_LINK_TTL_S): Promise<{ code: string; expiresAt: string }> {
  const now = deps.now();
  await pruneSignInLinks(deps.db, now.toISOString());
  const code = randomToken();
  const expiresAt = endOf(now, ttlS * 1000, identity);
  await insertSignInLink(deps.db, { idHash: hashOf(code), createdAt: now.toISOString(), expiresAt, scope: identity.scope, tokenId: identity.token?.id ?? null });
  return { code, expiresAt };
}

const LINK_REFUSED = 'this sign-in link was already used, has expired, or never existed; sign in with an admin token';

/** A new session for the first presenter of a live link's code; E_UNAUTHORIZED for a used, expired or unknown one. */
export async function signInWithLink(deps: Pick<HubContext, 'db' | 'now'>, code: string): Promise<StartedSession> {
  const now = deps.now().toISOString();
  const link = await takeSignInLink(deps.db, hashOf(code), now);
  if (!link) throw new HubError('E_UNAUTHORIZED', LINK_REFUSED);
  if (link.tokenId === null) return startSession(deps, { scope: link.scope, token: null, expiresAt: null });
  // Its maker's token may have been revoked since (revocation deletes its links; this covers the race).
  const token = await liveAdminToken(deps.db, link.tokenId, now);
  if (!token) throw new HubError('E_UNAUTHORIZED', LINK_REFUSED);
  return startSession(deps, identityOfRow(token));
}

async function startSession(deps: Pick<HubContext, 'db' | 'now'>, identity: AdminIdentity): Promise<StartedSession> {
  const now = deps.now();
  // Expired sessions are forgotten as new ones start: the table holds live ones and a few more.
  await pruneAdminSessions(deps.db, now.toISOString());
  const secret = randomToken();
  const session = { secret, csrfToken: randomToken(), expiresAt: endOf(now, ADMIN_SESSION_TTL_MS, identity), identity };
  await insertAdminSession(deps.db, { idHash: hashOf(secret), csrfToken: session.csrfToken, createdAt: now.toISOString(), expiresAt: session.expiresAt, scope: identity.scope, tokenId: identity.token?.id ?? null });
  return session;
}

/** The live session a cookie's secret opens (its token still live), or undefined. */
export async function sessionOf(deps: Pick<HubContext, 'db' | 'now'>, secret: string): Promise<LiveSession | undefined> {
  const row = await liveSessionWithToken(deps.db, hashOf(secret), deps.now().toISOString());
  if (!row) return undefined;
  const token = row.tokenId !== null && row.tokenName !== null ? { id: row.tokenId, name: row.tokenName } : null;
  return { csrfToken: row.csrfToken, expiresAt: row.expiresAt, identity: { scope: row.scope, token, expiresAt: row.expiresAt } };
}

export async function signOut(deps: Pick<HubContext, 'db'>, secret: string): Promise<boolean> {
  return deleteAdminSession(deps.db, hashOf(secret));
}
