/**
 * The operator's enrolment link is `<hub>/web#enrol=<token>`: the token rides in the fragment (never
 * sent to a server, never logged) and leaves the address bar before it is used, so it is neither
 * bookmarked nor shared by accident.
 */

/** The token in a `#enrol=...` fragment, or null. */
export function tokenInHash(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('enrol');
  return token && token.trim() !== '' ? token.trim() : null;
}

/** Takes the token out of the page's address (history entry replaced, not added). */
export function takeTokenFromAddress(): string | null {
  const token = tokenInHash(location.hash);
  if (token !== null) history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  return token;
}

/** What a person pasted: a whole enrolment link or the token alone; null when it is neither. */
export function tokenFromPasted(text: string): string | null {
  const trimmed = text.trim();
  const at = trimmed.indexOf('#');
  if (at >= 0) return tokenInHash(trimmed.slice(at));
  return /^[A-Za-z0-9_-]{16,}$/.test(trimmed) ? trimmed : null;
}
