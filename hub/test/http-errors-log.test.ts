/**
 * Which failed requests the hub logs as errors: a 5xx it gives on purpose (a corrupt file, a full
 * worker queue: told of elsewhere, retried by whole fleets) writes no line per request; an
 * unexpected one (E_INTERNAL, a broker failure) does.
 */
import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { HubError, type HubErrorCode } from '../src/core/errors';
import { handleError } from '../src/http/errors';
import type { Logger } from '../src/index';

describe('error lines of failed requests', () => {
  it('leaves out deliberate 503s and keeps the rest', async () => {
    const lines: Array<{ message: string; path: unknown }> = [];
    const logger: Logger = { info: () => undefined, warn: () => undefined, error: (message, fields) => void lines.push({ message, path: (fields as { path?: unknown } | undefined)?.path }) };
    const app = new Hono();
    app.get('/fail/:code', (c) => {
      throw new HubError(c.req.param('code') as HubErrorCode, 'failed on purpose');
    });
    app.onError((error, c) => handleError(error, c, logger));
    const statusOf = async (code: HubErrorCode): Promise<number> => (await app.request(`/fail/${code}`)).status;

    for (let i = 0; i < 3; i++) expect(await statusOf('E_ARTIFACT_CORRUPT')).toBe(503);
    expect(await statusOf('E_UNAVAILABLE')).toBe(503);
    expect(lines).toEqual([]);
    expect(await statusOf('E_INTERNAL')).toBe(500);
    expect(await statusOf('E_BROKER')).toBe(502);
    expect(lines.map((line) => line.path)).toEqual(['/fail/E_INTERNAL', '/fail/E_BROKER']);
  });
});
