/**
 * The browser enrolment pages' shapes (from the generated OpenAPI types), the lifetime presets,
 * the enrolment link and the tags text: the parts with no markup.
 */
import type { paths } from '../../api/schema';
import { DEFAULT_LIMIT, NO_FILTERS, searchOf } from '../devices/list-query';

type Tokens = paths['/api/v1/enrolment-tokens'];
export type EnrolmentToken = Tokens['get']['responses'][200]['content']['application/json']['tokens'][number];
export type IssuedToken = Tokens['post']['responses'][201]['content']['application/json'];
export type IssueBody = Tokens['post']['requestBody']['content']['application/json'];
export type TokenState = EnrolmentToken['state'];

/** The hub's bounds (hub/src/http/routes/enrolment-tokens.ts). */
export const MAX_ENROLMENTS = 100_000;
export const RING_PATTERN = '[A-Za-z0-9_\\-]{1,32}';
const TAG_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_TAGS = 31;

/** How long a token stays usable; the hub takes 60 s to 30 days. */
export const LIFETIMES: readonly { seconds: number; label: string }[] = [
  { seconds: 15 * 60, label: '15 minutes' },
  { seconds: 60 * 60, label: '1 hour' },
  { seconds: 24 * 60 * 60, label: '1 day' },
  { seconds: 7 * 24 * 60 * 60, label: '7 days' },
  { seconds: 30 * 24 * 60 * 60, label: '30 days (the longest)' },
];
export const DEFAULT_LIFETIME_S = 24 * 60 * 60;

/** The page a browser enrols on, with the token in the fragment (never sent to a server, never logged). */
export const enrolmentLink = (origin: string, token: string): string => `${origin}/web#enrol=${encodeURIComponent(token)}`;

/** The devices list filtered to browsers (`#/devices?tag=kind:browser`), in a ring if given. */
export function browserDevicesPath(ring?: string): string {
  return `/devices?${searchOf({ filters: { ...NO_FILTERS, tag: 'kind:browser', ring: ring ?? '' }, limit: DEFAULT_LIMIT, cursor: undefined })}`;
}

/**
 * The state as of `now`: the hub's, except that a token listed as active whose time ran out since
 * is expired (expiry writes no audit row, so nothing reloads the list at that moment).
 */
export function stateAt(token: Pick<EnrolmentToken, 'state' | 'expiresAt'>, now: number): TokenState {
  return token.state === 'active' && Date.parse(token.expiresAt) <= now ? 'expired' : token.state;
}

/** When the next active token expires (ms since the epoch), or undefined. */
export function nextExpiry(tokens: readonly EnrolmentToken[], now: number): number | undefined {
  const times = tokens.filter((t) => stateAt(t, now) === 'active').map((t) => Date.parse(t.expiresAt));
  return times.length > 0 ? Math.min(...times) : undefined;
}

/** One `key:value` per line (blank lines ignored), checked as the hub does, `kind` being the hub's. */
export function parseTags(text: string): { tags: Record<string, string> } | { error: string } {
  const tags: Record<string, string> = {};
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: `Tags, line ${index + 1}: write key:value.` };
    const key = line.slice(0, colon).trim();
    if (!TAG_KEY.test(key)) return { error: `Tags, line ${index + 1}: a key is 1-64 of A-Z a-z 0-9 _ . -` };
    if (key === 'kind') return { error: 'Tags: kind is the hub’s (every device a token enrols is tagged kind:browser).' };
    tags[key] = line.slice(colon + 1).trim();
  }
  if (Object.keys(tags).length > MAX_TAGS) return { error: `Tags: at most ${MAX_TAGS} (kind:browser is added).` };
  return { tags };
}

/** Tags as `key:value` texts. */
export const tagTexts = (tags: Record<string, string>): string[] => Object.entries(tags).map(([key, value]) => `${key}:${value}`);
