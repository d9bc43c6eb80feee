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

function findUnstorable(value: unknown, path: string): string | null {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : null;
  if (typeof value !== 'object' || value === null) return null;
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (UNSTORABLE.test(key)) return at;
    const found = findUnstorable(item, at);
    if (found !== null) return found;
  }
  return null;
}

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
