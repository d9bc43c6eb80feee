/**
 * Where the CLI keeps the hub URL and admin token, and how the environment overrides them. Pure:
 * the I/O is in config-store.ts.
 */
import { join } from 'node:path';
import { CliError, EXIT, usageError } from './errors';

export interface StoredConfig {
  url: string;
  token: string;
}

export interface Session {
  url: string;
  token: string;
  /** where each part came from, for `edgefleet whoami` (never the token itself) */
  source: { url: string; token: string };
}

/** Longest admin token accepted; the hub's generated ones are 43 characters. */
export const MAX_TOKEN_LENGTH = 4096;

/** $EDGEFLEET_CONFIG, else $XDG_CONFIG_HOME/edgefleet/config.json, else ~/.config/edgefleet/config.json. */
export function configPath(env: NodeJS.ProcessEnv, home: string): string {
  if (env.EDGEFLEET_CONFIG) return env.EDGEFLEET_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(home, '.config');
  return join(base, 'edgefleet', 'config.json');
}

/** An http(s) URL without a trailing slash, query or fragment; `what` names the option or variable. */
export function normaliseHubUrl(text: string, what: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw usageError(`${what}: not a URL: ${JSON.stringify(text)} (e.g. http://localhost:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`${what}: must be an http:// or https:// URL, not ${url.protocol}`);
  if (url.username || url.password) throw usageError(`${what}: must not carry credentials; the token is given separately`);
  if (url.search || url.hash) throw usageError(`${what}: must not have a query or fragment`);
  return url.href.replace(/\/+$/, '');
}

/** The token as given (surrounding whitespace and a trailing newline from a file dropped). */
export function checkToken(text: string, what: string): string {
  const token = text.trim();
  if (token === '') throw usageError(`${what}: the token is empty`);
  if (token.length > MAX_TOKEN_LENGTH) throw usageError(`${what}: longer than ${MAX_TOKEN_LENGTH} characters`);
  if (/\s/.test(token)) throw usageError(`${what}: a token has no whitespace inside`);
  // It goes into an Authorization header, which cannot carry these; said here rather than as a
  // failed request, and without the token in the message.
  const bad = token.search(/[\u0000-\u001f\u007f]|[^\u0000-\u00ff]/);
  if (bad >= 0) throw usageError(`${what}: character ${bad + 1} of the token is a control character or outside Latin-1; a token is printable text (the hub's are A-Z a-z 0-9 _ -)`);
  return token;
}

export function parseConfig(text: string, path: string): StoredConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError('E_CONFIG', `${path}: not valid JSON; log in again to rewrite it`, EXIT.usage);
  }
  if (typeof value !== 'object' || value === null) throw new CliError('E_CONFIG', `${path}: expected an object { url, token }`, EXIT.usage);
  const url = 'url' in value ? value.url : undefined;
  const token = 'token' in value ? value.token : undefined;
  if (typeof url !== 'string') throw new CliError('E_CONFIG', `${path}: url: missing or not a string`, EXIT.usage);
  if (typeof token !== 'string') throw new CliError('E_CONFIG', `${path}: token: missing or not a string`, EXIT.usage);
  return { url: normaliseHubUrl(url, `${path}: url`), token: checkToken(token, `${path}: token`) };
}

/** EDGEFLEET_HUB_URL and EDGEFLEET_ADMIN_TOKEN override the file, each on its own. */
export function resolveSession(env: NodeJS.ProcessEnv, stored: StoredConfig | null, path: string): Session {
  const envUrl = env.EDGEFLEET_HUB_URL ? normaliseHubUrl(env.EDGEFLEET_HUB_URL, 'EDGEFLEET_HUB_URL') : undefined;
  const envToken = env.EDGEFLEET_ADMIN_TOKEN ? checkToken(env.EDGEFLEET_ADMIN_TOKEN, 'EDGEFLEET_ADMIN_TOKEN') : undefined;
  const url = envUrl ?? stored?.url;
  const token = envToken ?? stored?.token;
  if (url === undefined || token === undefined) {
    const missing = url === undefined && token === undefined ? 'no hub URL and no token' : url === undefined ? 'no hub URL' : 'no admin token';
    throw new CliError('E_NOT_LOGGED_IN', `not logged in (${missing}; looked in ${path} and the environment)`, EXIT.auth, [
      'Log in once with:  edgefleet login --url http://localhost:8080 --token-file data/admin-token',
      'or set EDGEFLEET_HUB_URL and EDGEFLEET_ADMIN_TOKEN.',
    ]);
  }
  return { url, token, source: { url: envUrl !== undefined ? 'EDGEFLEET_HUB_URL' : path, token: envToken !== undefined ? 'EDGEFLEET_ADMIN_TOKEN' : path } };
}
