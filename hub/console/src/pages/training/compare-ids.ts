/** The compare page's address: `#/training/compare?ids=a,b,c`, so a comparison can be bookmarked. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const compareHash = (ids: readonly string[]): string => `#/training/compare?ids=${ids.map(encodeURIComponent).join(',')}`;

/** The run ids to compare, in the order given, without repeats; anything but a UUID is left out. */
export function compareIds(search: string): string[] {
  const query = new URLSearchParams(search);
  const ids = (query.get('ids') ?? '').split(',').map((id) => decodeURIComponent(id.trim()));
  return [...new Set(ids.filter((id) => UUID.test(id)))];
}

