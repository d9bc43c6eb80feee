/**
 * The console session: the HttpOnly cookie itself is invisible to the page; the page keeps only the
 * CSRF token the hub returns, in memory (never in storage), and re-reads it on load. The hub also
 * says the session's scope (that of the token that signed in), which scope.tsx uses to show only
 * the controls it allows; the hub enforces it either way.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, ok, onUnauthorized, useCsrfToken } from './api/client';
import { startLive, stopLive } from './api/live';

export type Scope = 'read' | 'operator' | 'admin';
export type SessionState =
  | { kind: 'loading' }
  | { kind: 'signed-out'; reason?: string }
  | { kind: 'signed-in'; expiresAt: string; scope: Scope; token: { id: string; name: string } | null };

type Listener = (state: SessionState) => void;
const listeners = new Set<Listener>();
let current: SessionState = { kind: 'loading' };

function set(next: SessionState): void {
  current = next;
  if (next.kind === 'signed-in') startLive();
  else stopLive();
  for (const listener of listeners) listener(next);
}

function adopt(view: { csrfToken: string; expiresAt: string; scope: Scope; token: { id: string; name: string } | null }): void {
  useCsrfToken(view.csrfToken);
  set({ kind: 'signed-in', expiresAt: view.expiresAt, scope: view.scope, token: view.token });
}

/** On load: is there a live session cookie? */
export async function resumeSession(): Promise<void> {
  const result = await api.GET('/api/v1/session');
  if (result.response.ok && result.data) adopt(result.data);
  else set({ kind: 'signed-out' });
}

/** Throws ApiError (E_UNAUTHORIZED for a wrong token) for the sign-in form to show. */
export async function signIn(token: string): Promise<void> {
  adopt(ok(await api.POST('/api/v1/session', { body: { token } })));
}

/** A one-time link's code (`#/sign-in?link=...`, what `npm run demo` prints); the link is spent either way. */
export async function signInWithLink(link: string): Promise<void> {
  try {
    adopt(ok(await api.POST('/api/v1/session', { body: { link } })));
  } catch (error) {
    set({ kind: 'signed-out', reason: error instanceof ApiError ? error.message : String(error) });
  }
}

/** The code of a sign-in link in the address, if the console was opened with one. */
export function linkInAddress(hash: string): string | null {
  const match = /^#\/sign-in\?(.*)$/.exec(hash);
  return match ? new URLSearchParams(match[1]).get('link') : null;
}

export async function signOut(): Promise<void> {
  await api.DELETE('/api/v1/session').catch(() => undefined);
  useCsrfToken(null);
  set({ kind: 'signed-out', reason: 'Signed out.' });
}

onUnauthorized(() => {
  if (current.kind !== 'signed-in') return;
  useCsrfToken(null);
  set({ kind: 'signed-out', reason: 'Your session ended; sign in again.' });
});

export function useSession(): SessionState {
  const [state, setState] = useState(current);
  useEffect(() => {
    listeners.add(setState);
    setState(current);
    return () => void listeners.delete(setState);
  }, []);
  return state;
}

export { ApiError };
