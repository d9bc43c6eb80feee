/**
 * Parsers for command arguments and options (commander argParsers: a bad value is a usage error
 * naming the option, exit 2). Pure.
 *
 * The id patterns are @edgefleet/protocol's (schemas/common.ts, topics.ts; cli/test/args.test.ts
 * checks they stay equal): importing the package would load zod, a fifth of a second on every
 * start. The hub validates everything again; these only catch typos before a round trip.
 */
import { InvalidArgumentError } from 'commander';

export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const VERSION_LABEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/;
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;
export const RING_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const TAG_KEY_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

const matching =
  (pattern: RegExp, what: string) =>
  (value: string): string => {
    if (!pattern.test(value)) throw new InvalidArgumentError(`${JSON.stringify(value)} is not ${what}.`);
    return value;
  };

export const deviceIdArg = matching(DEVICE_ID_PATTERN, 'a device id (1-64 of A-Z a-z 0-9 _ -)');
export const modelArg = matching(MODEL_NAME_PATTERN, 'a model name (1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit)');
export const versionArg = matching(VERSION_LABEL_PATTERN, 'a version label (1-64 of A-Z a-z 0-9 . + _ -, starting with a letter or digit)');
export const datasetIdArg = matching(SHA256_PATTERN, 'a dataset id (64 lowercase hex digits)');
export const ringArg = matching(RING_PATTERN, 'a ring name (1-32 of A-Z a-z 0-9 _ -)');

/** An integer in [min, max]. */
export const intArg =
  (min: number, max: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}.`);
    return n;
  };

/** A finite number in [min, max]. */
export const numberArg =
  (min: number, max: number) =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got ${JSON.stringify(value)}.`);
    return n;
  };

/** `key=value` (repeatable): collected into one record; a tag key as the hub allows it. */
export function keyValueArg(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const at = value.indexOf('=');
  const key = at < 0 ? '' : value.slice(0, at);
  if (at < 0 || !TAG_KEY_PATTERN.test(key)) throw new InvalidArgumentError(`expected key=value with a key of 1-64 of A-Z a-z 0-9 _ . -, got ${JSON.stringify(value)}.`);
  const text = value.slice(at + 1);
  if (text.length > 256) throw new InvalidArgumentError(`the value of ${key} is longer than 256 characters.`);
  return { ...previous, [key]: text };
}

/** The hub filters on one tag, given as key:value. */
export function tagFilter(tags: Record<string, string> | undefined): string | undefined {
  const entries = Object.entries(tags ?? {});
  if (entries.length > 1) throw new InvalidArgumentError('--tag: the hub filters on one tag at a time.');
  return entries.map(([key, value]) => `${key}:${value}`)[0];
}

/** `a,b,c`: names, none empty. */
export function listArg(value: string): string[] {
  const names = value.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) throw new InvalidArgumentError(`expected comma-separated names, none empty, got ${JSON.stringify(value)}.`);
  return names;
}

export type ColumnKind = 'numeric' | 'categorical';
/** `col=kind,col=kind` with kind numeric or categorical. */
export function kindsArg(value: string): Record<string, ColumnKind> {
  const kinds: Record<string, ColumnKind> = {};
  for (const part of value.split(',')) {
    const at = part.lastIndexOf('=');
    const column = part.slice(0, at).trim();
    const kind = part.slice(at + 1).trim();
    if (at <= 0 || column === '' || (kind !== 'numeric' && kind !== 'categorical')) throw new InvalidArgumentError(`expected column=numeric|categorical[,...], got ${JSON.stringify(part)}.`);
    kinds[column] = kind;
  }
  return kinds;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration `90s`, `30m`, `12h`, `1d` (or plain seconds) in seconds. */
export function durationArg(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([smhd]?)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`expected a duration such as 90s, 30m, 12h or 1d, got ${JSON.stringify(value)}.`);
  return Math.round(Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1));
}

/** A point in time: ISO 8601 (`2026-11-25T10:00:00Z`), or a duration before `now` (`2h`: two hours ago). */
export const timeArg =
  (now: () => Date) =>
  (value: string): string => {
    if (/^\d+(?:\.\d+)?\s*[smhd]$/.test(value.trim())) return new Date(now().getTime() - durationArg(value) * 1000).toISOString();
    const ms = Date.parse(value);
    if (!/^\d{4}-\d\d-\d\d/.test(value) || Number.isNaN(ms)) throw new InvalidArgumentError(`expected an ISO time (2026-11-25T10:00:00Z) or a duration ago (2h, 1d), got ${JSON.stringify(value)}.`);
    return new Date(ms).toISOString();
  };

const DAY_MS = 86_400_000;

/**
 * When a trust document expires: a duration from now with its unit (`365d`, `48h`; a bare number
 * is refused: `2027` meant as a year would be 34 minutes) or an ISO date, at least a day ahead
 * (devices refuse an expired document, and signing and publishing take longer than minutes).
 */
export const expiresArg =
  (now: () => Date) =>
  (value: string): Date => {
    const from = now().getTime();
    let ms: number;
    if (/^\d+(?:\.\d+)?\s*[smhd]$/.test(value.trim())) ms = from + durationArg(value) * 1000;
    else {
      ms = Date.parse(value);
      if (!/^\d{4}-\d\d-\d\d/.test(value) || Number.isNaN(ms)) throw new InvalidArgumentError(`expected a duration with its unit (365d, 90d, 48h) or an ISO date (2027-12-01), got ${JSON.stringify(value)}.`);
    }
    if (ms < from + DAY_MS) throw new InvalidArgumentError(`a trust document must expire at least 1 day from now (365d is usual), got ${JSON.stringify(value)}.`);
    return new Date(ms);
  };

/** `--params '{"epochs": 5}'` or `--params @params.json`: the JSON is parsed (or the file read) by the command. */
export type JsonSource = { kind: 'inline'; value: unknown } | { kind: 'file'; path: string };
export function jsonArg(value: string): JsonSource {
  if (value.startsWith('@')) {
    if (value.length === 1) throw new InvalidArgumentError('expected @<file> with a file name after the @.');
    return { kind: 'file', path: value.slice(1) };
  }
  try {
    return { kind: 'inline', value: JSON.parse(value) };
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON (${error instanceof Error ? error.message : String(error)}); give JSON or @<file>.`);
  }
}
