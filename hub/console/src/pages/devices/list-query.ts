/**
 * The devices list's filters and page live in the address (`#/devices?ring=north&limit=10`), so a
 * filtered page can be linked and the back button walks through pages. Only known keys are read; empty values are dropped.
 */
import type { DeviceListQuery } from './types';

export const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
const STATUSES = ['online', 'offline', 'decommissioned'] as const;
export type DeviceStatus = (typeof STATUSES)[number];

/** The filter fields the form edits (all strings; '' means no filter). */
export interface DeviceFilters {
  q: string;
  ring: string;
  tag: string;
  status: '' | DeviceStatus;
  model: string;
  version: string;
}

export interface ListState {
  filters: DeviceFilters;
  limit: number;
  cursor: string | undefined;
}

export const NO_FILTERS: DeviceFilters = { q: '', ring: '', tag: '', status: '', model: '', version: '' };
const FILTER_KEYS = Object.keys(NO_FILTERS) as (keyof DeviceFilters)[];

const isStatus = (value: string): value is DeviceStatus => (STATUSES as readonly string[]).includes(value);

export function parseListState(search: string): ListState {
  const params = new URLSearchParams(search);
  const text = (key: string) => params.get(key)?.trim() ?? '';
  const status = text('status');
  const limit = Number(params.get('limit'));
  return {
    filters: { q: text('q'), ring: text('ring'), tag: text('tag'), status: isStatus(status) ? status : '', model: text('model'), version: text('version') },
    limit: Number.isInteger(limit) && limit >= 1 ? Math.min(limit, MAX_LIMIT) : DEFAULT_LIMIT,
    cursor: text('cursor') || undefined,
  };
}

/** The search string (without `?`) for a state; the default limit is left out so plain links stay short. */
export function searchOf(state: ListState): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (state.filters[key]) params.set(key, state.filters[key]);
  if (state.limit !== DEFAULT_LIMIT) params.set('limit', String(state.limit));
  if (state.cursor) params.set('cursor', state.cursor);
  return params.toString();
}

/** The API query for a state: only the filters that are set. */
export function apiQueryOf(state: ListState): DeviceListQuery {
  const { q, ring, tag, status, model, version } = state.filters;
  return {
    limit: state.limit,
    ...(q ? { q } : {}),
    ...(ring ? { ring } : {}),
    ...(tag ? { tag } : {}),
    ...(status ? { status } : {}),
    ...(model ? { model } : {}),
    ...(version ? { version } : {}),
    ...(state.cursor ? { cursor: state.cursor } : {}),
  };
}

export const hasFilters = (filters: DeviceFilters): boolean => FILTER_KEYS.some((key) => filters[key] !== '');
