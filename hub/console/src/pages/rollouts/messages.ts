/**
 * The hub's messages placed next to what they name. A validation error's details carry paths
 * (`plan.steps.3.percent`, `version`); each message goes to the nearest field the form shows
 * (walking up the path), and what names nothing shown lands on the plan as a whole.
 */
import { ApiError, errorText } from '../../api/client';

export type Messages = ReadonlyMap<string, readonly string[]>;
export const NO_MESSAGES: Messages = new Map();

interface Detail {
  path: string;
  message: string;
}

function detailsOf(error: ApiError): Detail[] {
  if (!Array.isArray(error.details)) return [];
  return error.details.filter((d): d is Detail => typeof d === 'object' && d !== null && typeof (d as Detail).path === 'string' && typeof (d as Detail).message === 'string');
}

/** Where an error goes: a validation error by its fields, a missing version at the version, anything else at the top. */
export function placeError(error: unknown, anchors: ReadonlySet<string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const add = (path: string, message: string): void => void out.set(path, [...(out.get(path) ?? []), message]);
  if (!(error instanceof ApiError)) {
    add('', errorText(error));
    return out;
  }
  const details = detailsOf(error);
  if (error.code === 'E_NOT_FOUND' && anchors.has('version')) add('version', errorText(error));
  else if (details.length === 0) add('', errorText(error));
  for (const detail of details) {
    const parts = detail.path.split('.');
    while (parts.length > 0 && !anchors.has(parts.join('.'))) parts.pop();
    const anchor = parts.join('.');
    // A message moved up from a field the form does not show keeps the rest of its path.
    const rest = detail.path.slice(anchor.length).replace(/^\./, '');
    add(anchor, rest ? `${rest}: ${detail.message}` : detail.message);
  }
  return out;
}
