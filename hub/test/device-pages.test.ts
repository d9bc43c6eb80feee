/**
 * ISSUE 13 (devices at fleet scale): GET /api/v1/devices pages the fleet in id order with an
 * opaque cursor (keyset: every device exactly once, whatever the page size), filtered in the
 * database by ring, tag, status, assigned model and version, and id text; a bad cursor or filter
 * is a 400 naming the field; without `limit` it answers every matching device as before.
 */
import { describe, expect, it } from 'vitest';
import type { Hub } from '../src/index';
import { api, SILERO_PROBE, SILERO_V5, useTestHub } from './support';
import { readFile } from 'node:fs/promises';

interface Page {
  devices: { id: string; ring: string; assignment: { version: string } | null; decommissionedAt: string | null }[];
  nextCursor: string | null;
}

describe('device pages', () => {
  let hub: Hub;
  useTestHub((started) => (hub = started.hub));
  const ids = Array.from({ length: 23 }, (_, i) => `pg-${String(i).padStart(2, '0')}`);

  it('enrols a fleet in two rings with tags, pins some, decommissions one', async () => {
    for (const [i, id] of ids.entries()) {
      expect((await api(hub, 'POST', '/api/v1/devices', { json: { id, ring: i % 2 === 0 ? 'even' : 'odd', tags: { 'site.zone': i < 10 ? 'north' : 'south' } } })).status).toBe(201);
    }
    expect((await api(hub, 'POST', '/api/v1/devices', { json: { id: 'Other-Device' } })).status).toBe(201);
    expect((await api(hub, 'POST', `/api/v1/models/vad/versions?version=1&probe=${SILERO_PROBE}`, { bytes: new Uint8Array(await readFile(SILERO_V5)) })).status).toBe(201);
    for (const id of ['pg-03', 'pg-04']) expect((await api(hub, 'PUT', `/api/v1/devices/${id}/assignment`, { json: { model: 'vad', version: '1' } })).status).toBe(200);
    expect((await api(hub, 'DELETE', '/api/v1/devices/pg-05')).status).toBe(200);
  });

  it('pages every device exactly once in id order, whatever the page size', async () => {
    const all = (await api<Page>(hub, 'GET', '/api/v1/devices')).body;
    expect(all.nextCursor).toBeNull();
    const everyone = all.devices.map((d) => d.id);
    expect(everyone).toEqual(['Other-Device', ...ids]);
    for (const size of [1, 5, 24, 500]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `limit=${size}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page: Page = (await api<Page>(hub, 'GET', `/api/v1/devices?${query}`)).body;
        expect(page.devices.length).toBeLessThanOrEqual(size);
        seen.push(...page.devices.map((d) => d.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== null);
      expect(seen, `page size ${size}`).toEqual(everyone);
      expect(pages).toBe(Math.max(1, Math.ceil(everyone.length / size)));
    }
  });

  it('filters by ring, tag, status, assigned version and id text, in the database', async () => {
    const idsOf = async (query: string) => (await api<Page>(hub, 'GET', `/api/v1/devices?${query}`)).body.devices.map((d) => d.id);
    expect(await idsOf('ring=odd&limit=3')).toEqual(['pg-01', 'pg-03', 'pg-05']);
    expect(await idsOf(`tag=${encodeURIComponent('site.zone:north')}&ring=even`)).toEqual(['pg-00', 'pg-02', 'pg-04', 'pg-06', 'pg-08']);
    expect(await idsOf('status=decommissioned')).toEqual(['pg-05']);
    expect(await idsOf('status=offline&q=pg-0')).toEqual(['pg-00', 'pg-01', 'pg-02', 'pg-03', 'pg-04', 'pg-06', 'pg-07', 'pg-08', 'pg-09']);
    expect(await idsOf('model=vad&version=1')).toEqual(['pg-03', 'pg-04']);
    expect(await idsOf('q=OTHER')).toEqual(['Other-Device']);
    // LIKE's wildcards are plain text in a search.
    expect(await idsOf('q=%25')).toEqual([]);
    expect(await idsOf('q=_')).toEqual([]);
  });

  it('names a bad cursor or filter', async () => {
    for (const [query, field] of [
      ['cursor=bm90LWEtY3Vyc29yIQ', 'cursor'],
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['status=asleep', 'status'],
      ['tag=novalue', 'tag'],
      ['colour=red', ''],
    ] as const) {
      const reply = await api<{ error: { code: string; message: string } }>(hub, 'GET', `/api/v1/devices?${query}`);
      expect(reply.status, query).toBe(400);
      expect(reply.body.error.code).toBe('E_VALIDATION');
      if (field) expect(reply.body.error.message).toContain(field);
    }
  });
});
