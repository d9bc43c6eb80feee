import type { z } from 'zod';
import { utf8Decode } from './bytes';
import { ProtocolError } from './errors';

/** Human-readable summary of schema issues that names each field, e.g. `seq: Too big`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

/** Validates `value` against `schema`; throws E_SCHEMA naming the failing fields. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ProtocolError('E_SCHEMA', `${what}: ${describeIssues(result.error)}`, { details: result.error.issues });
  }
  return result.data;
}

// U+0000 and unpaired surrogates: valid JSON escapes, but no database text type stores them
// (PostgreSQL refuses both), so one such string would fail a whole batch of device messages.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A node of the walk below: its key and parent, so a path is built only for the string that is named. */
interface Visit {
  value: unknown;
  key: string;
  parent: Visit | null;
}

/** Fields named in full; a path deeper than this (hostile nesting) is cut, so the message stays short. */
const MAX_NAMED_DEPTH = 32;

function pathOf(visit: Visit, key?: string): string {
  const keys = key === undefined ? [] : [key];
  for (let at: Visit | null = visit; at !== null; at = at.parent) if (at.parent !== null || at.key !== '') keys.push(at.key);
  keys.reverse();
  return keys.length > MAX_NAMED_DEPTH ? `${keys.slice(0, MAX_NAMED_DEPTH).join('.')}... (${keys.length} levels)` : keys.join('.');
}

/**
 * Walked with an explicit stack, not recursion: JSON.parse takes nesting a million levels deep,
 * and a recursive walk overflowed the call stack on it (a RangeError instead of E_BAD_JSON, which
 * failed the hub's whole ingestion batch).
 */
function findUnstorable(root: unknown, rootPath: string): string | null {
  const stack: Visit[] = [{ value: root, key: rootPath, parent: null }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const { value } = visit;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) return pathOf(visit);
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    const entries = Object.entries(value);
    for (const [key] of entries) if (UNSTORABLE.test(key)) return pathOf(visit, key);
    // Pushed in reverse, so fields are visited in document order.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i] as [string, unknown];
      stack.push({ value: item, key, parent: visit });
    }
  }
  return null;
}

/**
 * Where `value` holds a string (or key) no database can store, U+0000 or an unpaired surrogate,
 * as a dotted path ('' for the root itself); null when it holds none. For values that did not
 * come through parseJsonBytes: HTTP bodies, query strings and path parameters.
 */
export const findUnstorableString = (value: unknown): string | null => findUnstorable(value, '');

/** Parses UTF-8 JSON bytes; throws E_BAD_JSON for anything else, or for a string no database can store. */
export function parseJsonBytes(bytes: Uint8Array, what: string): unknown {
  let text: string;
  let value: unknown;
  try {
    text = utf8Decode(bytes);
    value = JSON.parse(text);
  } catch (cause) {
    throw new ProtocolError('E_BAD_JSON', `${what}: not valid UTF-8 JSON`, { cause });
  }
  // Both can only arrive as \u escapes (raw ones are not valid UTF-8 JSON): most messages skip the walk.
  if (text.includes('\\u')) {
    const at = findUnstorable(value, '');
    if (at !== null) throw new ProtocolError('E_BAD_JSON', `${what}: ${at || '(root)'}: a string holds U+0000 or an unpaired surrogate`);
  }
  return value;
}

/** Bytes off the wire -> typed message, or a typed error. The one path adapters use. */
export function decodeMessage<S extends z.ZodType>(schema: S, bytes: Uint8Array, what: string): z.infer<S> {
  return parseWith(schema, parseJsonBytes(bytes, what), what);
}
