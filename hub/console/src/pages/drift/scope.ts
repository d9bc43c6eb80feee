/**
 * The drift page's scope lives in the address: `#/drift?model=m&version=v&ring=r&device=d`, so
 * other pages link to a scope and the admin can bookmark one.
 */
import { useSearch } from 'wouter-preact';
import { navigate } from '../../hash-location';

export interface DriftScope {
  model: string;
  version: string;
  /** at most one of ring and device narrows the fleet */
  ring: string;
  device: string;
}

export function scopeOf(query: string): DriftScope {
  const params = new URLSearchParams(query);
  return { model: params.get('model') ?? '', version: params.get('version') ?? '', ring: params.get('ring') ?? '', device: params.get('device') ?? '' };
}

/** The drift page's address for a scope (empty fields left out). */
export function driftHref(scope: Partial<DriftScope>): string {
  const params = new URLSearchParams();
  for (const key of ['model', 'version', 'ring', 'device'] as const) {
    const value = scope[key];
    if (value) params.set(key, value);
  }
  const query = params.toString();
  return `#/drift${query ? `?${query}` : ''}`;
}

export function useDriftScope(): DriftScope {
  return scopeOf(useSearch());
}

/** Shows another scope as a new history entry. */
export function showScope(scope: DriftScope): void {
  navigate(driftHref(scope).slice(1));
}
