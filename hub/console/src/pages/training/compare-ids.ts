/**
 * The compare page's address: `#/training/compare?ids=a,b,c` (the query inside the hash, so it
 * can be bookmarked and leaves the address's own search alone). Wouter's hash location keeps that
 * query in the path, so the ids are read from the hash here; `?ids=` in the address's search
 * (wouter's own navigate('/training/compare?ids=…')) is read too.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const compareHash = (ids: readonly string[]): string => `#/training/compare?ids=${ids.map(encodeURIComponent).join(',')}`;

/** The run ids to compare, in the order given, without repeats; anything but a UUID is left out. */
export function compareIds(hash: string, search: string): string[] {
  const inHash = hash.indexOf('?');
  const query = new URLSearchParams(inHash >= 0 ? hash.slice(inHash + 1) : search);
  const ids = (query.get('ids') ?? '').split(',').map((id) => decodeURIComponent(id.trim()));
  return [...new Set(ids.filter((id) => UUID.test(id)))];
}

/** True for the path wouter hands the `/training/:id` route when the address is the compare page with its query in the hash. */
export const isComparePath = (id: string | undefined): boolean => id === 'compare' || (id?.startsWith('compare?') ?? false);
