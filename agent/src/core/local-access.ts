/**
 * Who may call the agent's local API (issue 16 item 6). It has no authentication and is bound to
 * 127.0.0.1, but a web page in a browser on the same machine could still reach it: a cross-origin
 * `text/plain` POST needs no preflight, and with DNS rebinding (a name of the attacker's that
 * resolves to 127.0.0.1) even same-origin reads work. Both leave marks only in headers a page
 * cannot forge: `Origin` (any request a page sends but a simple GET carries it) and `Host` (the
 * attacker's name, never an address). So a request is refused when it names a Host that is not
 * the agent's (an IP address, localhost, the bound address or an allowed name) or comes from an
 * Origin not on the allow-list (empty unless configured). Pure.
 */
import { isIP } from 'node:net';

export interface LocalAccessPolicy {
  /** the address the API listens on (0.0.0.0 or :: for all) */
  bindHost: string;
  /** origins (`scheme://host[:port]`) whose pages may call the API; none by default */
  allowedOrigins: readonly string[];
  /** host names (not addresses) the API is also reached by, e.g. behind a proxy on the device */
  allowedHosts: readonly string[];
}

export const DEFAULT_LOCAL_ACCESS: LocalAccessPolicy = { bindHost: '127.0.0.1', allowedOrigins: [], allowedHosts: [] };

export type AccessVerdict = { ok: true } | { ok: false; code: 'E_FORBIDDEN_HOST' | 'E_FORBIDDEN_ORIGIN'; message: string };

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

/** The hostname of a Host header value (`name`, `name:port`, `[v6]:port`), lower case; null when malformed. */
function hostnameOf(host: string): string | null {
  try {
    const url = new URL(`http://${host}`);
    // Anything beyond host and port (a path, credentials) is not a Host value.
    if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '') return null;
    return url.hostname.toLowerCase();
  } catch {
    return null;
  }
}

/** An origin in its serialised form (`http://name:port`, default port omitted); null when malformed or not http(s). */
export function normalizeOrigin(origin: string): string | null {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (url.username !== '' || url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '') return null;
    return url.origin;
  } catch {
    return null;
  }
}

const unbracketed = (hostname: string): string => (hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname);
const isAddress = (hostname: string): boolean => isIP(unbracketed(hostname)) !== 0;
const isLoopback = (hostname: string): boolean => hostname === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname) || hostname === '[::1]';

/**
 * Whether a Host names this agent. An address cannot be rebound, so any address the API listens
 * on is fine: the bound one, loopback, or any when it listens on all of them.
 */
function hostAllowed(hostname: string, policy: LocalAccessPolicy): boolean {
  if (isLoopback(hostname) || policy.allowedHosts.some((name) => name.toLowerCase() === hostname)) return true;
  const bound = WILDCARDS.has(policy.bindHost) ? null : hostnameOf(policy.bindHost.includes(':') && !policy.bindHost.startsWith('[') ? `[${policy.bindHost}]` : policy.bindHost);
  if (bound === null) return isAddress(hostname);
  return hostname === bound;
}

/** The verdict on a request's Host values (the header and the URL's, when they differ) and Origin header. */
export function checkAccess(request: { hosts: readonly string[]; origin: string | undefined }, policy: LocalAccessPolicy): AccessVerdict {
  for (const host of request.hosts) {
    const hostname = hostnameOf(host);
    if (hostname === null || !hostAllowed(hostname, policy)) {
      return { ok: false, code: 'E_FORBIDDEN_HOST', message: `Host ${JSON.stringify(host.slice(0, 100))} is not this agent's: use 127.0.0.1 or localhost, or add the name to EDGEFLEET_AGENT_ALLOWED_HOSTS` };
    }
  }
  if (request.origin !== undefined && !originAllowed(request.origin, policy)) {
    return { ok: false, code: 'E_FORBIDDEN_ORIGIN', message: `requests from web pages of ${JSON.stringify(request.origin.slice(0, 100))} are refused: add the origin to EDGEFLEET_AGENT_ALLOWED_ORIGINS to allow them` };
  }
  return { ok: true };
}

export function originAllowed(origin: string, policy: LocalAccessPolicy): boolean {
  const normalized = normalizeOrigin(origin);
  return normalized !== null && policy.allowedOrigins.some((allowed) => normalizeOrigin(allowed) === normalized);
}

/** `application/json`, with or without parameters (`; charset=utf-8`), in any case. */
export const isJsonContentType = (value: string | undefined): boolean => value !== undefined && value.split(';')[0]?.trim().toLowerCase() === 'application/json';
