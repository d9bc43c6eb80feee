/** Parse at the edge: request parts -> typed values, or a 400 naming the field. */
import type { Context } from 'hono';
import type { z } from 'zod';
import { describeIssues, findUnstorableString } from '@edgefleet/protocol';
import { HubError } from '../core/errors';

export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  // PostgreSQL refuses both in text (a 500 and a failed transaction) and SQLite stores a lone
  // surrogate as U+FFFD (another value than was sent): refused here, naming the field.
  const unstorable = findUnstorableString(value);
  if (unstorable !== null) {
    const message = 'a string holds U+0000 or an unpaired surrogate';
    throw new HubError('E_VALIDATION', `${unstorable || '(root)'}: ${message}`, { details: [{ path: unstorable, message }] });
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const details = result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
    throw new HubError('E_VALIDATION', describeIssues(result.error), { details });
  }
  return result.data;
}

/** JSON bodies are small; anything bigger than this is refused before it is parsed. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

const tooLarge = (): HubError => new HubError('E_TOO_LARGE', `JSON body exceeds ${MAX_JSON_BODY_BYTES} bytes`);

/** Reads a JSON body with the cap enforced while reading, so a chunked body cannot grow unbounded. */
/** `whenEmpty`: what an empty body means, for routes whose every field is optional; otherwise it is an error. */
export async function readJsonBody(c: Context, whenEmpty?: unknown): Promise<unknown> {
  if (Number(c.req.header('content-length') ?? '0') > MAX_JSON_BODY_BYTES) throw tooLarge();
  const body = c.req.raw.body;
  const chunks: Uint8Array[] = [];
  if (body) {
    const reader = body.getReader();
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > MAX_JSON_BODY_BYTES) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  if (whenEmpty !== undefined && chunks.every((chunk) => chunk.length === 0)) return whenEmpty;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HubError('E_VALIDATION', 'body: not valid JSON');
  }
}
