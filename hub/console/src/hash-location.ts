/**
 * The console's addresses: everything after `#`, query included (`#/devices?ring=north`), so a
 * page's filters are part of the link an admin copies and the hub only ever serves `/`. wouter's
 * own hash hook moves a query into location.search instead; this one keeps it in the hash and
 * hands routes the path alone (`/devices`) and `useSearch()` the query (`ring=north`).
 */
import { useSyncExternalStore } from 'preact/compat';

const subscribe = (onChange: () => void): (() => void) => {
  addEventListener('hashchange', onChange);
  return () => removeEventListener('hashchange', onChange);
};

/** `#/a/b?x=1` -> `/a/b?x=1`; an empty hash is the overview. */
const hashText = (): string => `/${location.hash.replace(/^#?\/?/, '')}`;
export const pathOf = (text: string): string => text.split('?')[0] ?? '/';
export const queryOf = (text: string): string => {
  const at = text.indexOf('?');
  return at < 0 ? '' : text.slice(at + 1);
};

/** Goes to a console address (`/devices?ring=north`) as a new history entry, or in place. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = new URL(location.href);
  url.hash = to.startsWith('/') ? to : `/${to}`;
  // One place for queries: a search left in the address by an older link goes.
  url.search = '';
  history[options.replace ? 'replaceState' : 'pushState'](null, '', url.href);
  dispatchEvent(new HashChangeEvent('hashchange'));
}

export const usePath = (): [string, typeof navigate] => [useSyncExternalStore(subscribe, () => pathOf(hashText())), navigate];
export const useHashSearch = (): string => useSyncExternalStore(subscribe, () => queryOf(hashText()));
export const hrefOf = (to: string): string => `#${to}`;
