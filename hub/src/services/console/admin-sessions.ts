/**
 * Console sign-in (issue 13): the admin token is exchanged once for a session. The browser keeps
 * a random secret in an HttpOnly, SameSite=Strict cookie; the database keeps only its SHA-256, a
 * CSRF token and an expiry, so every replica knows the session and sign-out ends it everywhere.
 * Scripts keep using the bearer token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { consumeSignInLink, deleteAdminSession, insertAdminSession, insertSignInLink, liveAdminSession, pruneAdminSessions, pruneSignInLinks } from '../../adapters/db/admin-sessions';
import { safeEqual } from '../../adapters/secrets';
import { ADMIN_TOKEN_HINT } from '../../adapters/admin-token';
import { HubError } from '../../core/errors';
import type { HubContext } from '../context';

/** How long a console session lasts from sign-in. */
export const ADMIN_SESSION_TTL_MS = 8 * 60 * 60_000;

type SessionDeps = Pick<HubContext, 'db' | 'now' | 'adminToken'>;

export interface StartedSession {
  /** the cookie's value: shown to the browser once, never stored */
  secret: string;
  csrfToken: string;
  expiresAt: string;
}

const hashOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');
const randomToken = (): string => randomBytes(32).toString('base64url');

/** A new session for whoever presents the admin token; E_UNAUTHORIZED otherwise (the token is never echoed). */
export async function signIn(deps: SessionDeps, token: string): Promise<StartedSession> {
  if (!safeEqual(token, deps.adminToken)) throw new HubError('E_UNAUTHORIZED', `wrong admin token: ${ADMIN_TOKEN_HINT}`);
  return startSession(deps);
}

/** How long a sign-in link stays usable unless asked otherwise, and at most. */
export const SIGN_IN_LINK_TTL_S = 15 * 60;
export const SIGN_IN_LINK_MAX_TTL_S = 24 * 60 * 60;

/**
 * A one-time sign-in link's code (`npm run demo` prints one): whoever holds the admin token makes
 * it, and the first browser to present it gets a session. Only its hash is stored.
 */
export async function createSignInLink(deps: Pick<HubContext, 'db' | 'now'>, ttlS: number = SIGN_IN_LINK_TTL_S): Promise<{ code: string; expiresAt: string }> {
  const now = deps.now();
  await pruneSignInLinks(deps.db, now.toISOString());
  const code = randomToken();
  const expiresAt = new Date(now.getTime() + ttlS * 1000).toISOString();
  await insertSignInLink(deps.db, { idHash: hashOf(code), createdAt: now.toISOString(), expiresAt });
  return { code, expiresAt };
}

/** A new session for the first presenter of a live link's code; E_UNAUTHORIZED for a used, expired or unknown one. */
export async function signInWithLink(deps: Pick<HubContext, 'db' | 'now'>, code: string): Promise<StartedSession> {
  if (!(await consumeSignInLink(deps.db, hashOf(code), deps.now().toISOString()))) throw new HubError('E_UNAUTHORIZED', 'this sign-in link was already used, has expired, or never existed; sign in with the admin token');
  return startSession(deps);
}

async function startSession(deps: Pick<HubContext, 'db' | 'now'>): Promise<StartedSession> {
  const now = deps.now();
  // Expired sessions are forgotten as new ones start: the table holds live ones and a few more.
  await pruneAdminSessions(deps.db, now.toISOString());
  const secret = randomToken();
  const session = { secret, csrfToken: randomToken(), expiresAt: new Date(now.getTime() + ADMIN_SESSION_TTL_MS).toISOString() };
  await insertAdminSession(deps.db, { idHash: hashOf(secret), csrfToken: session.csrfToken, createdAt: now.toISOString(), expiresAt: session.expiresAt });
  return session;
}

/** The live session a cookie's secret opens, or undefined. */
export async function sessionOf(deps: Pick<HubContext, 'db' | 'now'>, secret: string): Promise<{ csrfToken: string; expiresAt: string } | undefined> {
  const row = await liveAdminSession(deps.db, hashOf(secret), deps.now().toISOString());
  return row ? { csrfToken: row.csrfToken, expiresAt: row.expiresAt } : undefined;
}

export async function signOut(deps: Pick<HubContext, 'db'>, secret: string): Promise<boolean> {
  return deleteAdminSession(deps.db, hashOf(secret));
}
