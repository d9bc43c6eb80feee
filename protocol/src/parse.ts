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

/** Parses UTF-8 JSON bytes; throws E_BAD_JSON for anything else. */
export function parseJsonBytes(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(utf8Decode(bytes));
  } catch (cause) {
    throw new ProtocolError('E_BAD_JSON', `${what}: not valid UTF-8 JSON`, { cause });
  }
}

/** Bytes off the wire -> typed message, or a typed error. The one path adapters use. */
export function decodeMessage<S extends z.ZodType>(schema: S, bytes: Uint8Array, what: string): z.infer<S> {
  return parseWith(schema, parseJsonBytes(bytes, what), what);
}
