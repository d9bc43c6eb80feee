/**
 * ISSUE 12 item 3 (embedded broker). Given a real hub and devices connected over MQTT:
 *  - POST /api/v1/devices/{id}/secret returns a new secret once; the old one stops working at once
 *    for MQTT and HTTP, the live session opened with it is ended, and the new one works;
 *  - DELETE /api/v1/devices/{id} takes the device out of service: its session ends, it cannot
 *    authenticate again, its assignment is gone and it cannot be assigned, re-enrolled or rotated,
 *    its events and audit history stay, and a second DELETE answers the same time;
 *  - unknown devices are 404, bad ids 400, and only the admin may call either.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Hub } from '../src/index';
import { SILERO_PROBE, SILERO_V5, api, basicAuth, closed, connectDevice, enrol, useTestHub } from './support';

interface DeviceReply {
  decommissionedAt: string | null;
  assignment: unknown;
}
interface ErrorReply {
  error: { code: string; message: string };
}

describe('device secret rotation and decommissioning', () => {
  let hub: Hub;
  useTestHub((started) => {
    hub = started.hub;
  });

  const config = (id: string, secret: string) => fetch(`${hub.httpUrl}/device/v1/config`, { headers: { authorization: basicAuth(id, secret) } });
  const refusedOverMqtt = async (id: string, secret: string): Promise<string> => {
    try {
      const client = await connectDevice(hub, id, secret);
      client.end(true);
      return 'connected';
    } catch (error) {
      return String(error);
    }
  };

  it('rotating a secret ends the old session, refuses the old secret, and the new one works', async () => {
    const old = await enrol(hub, 'dev-rot');
    const client = await connectDevice(hub, 'dev-rot', old);
    const ended = closed(client);
    const rotated = await api<{ id: string; secret: string; sessionEnded: boolean }>(hub, 'POST', '/api/v1/devices/dev-rot/secret');
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(rotated.body).toMatchObject({ id: 'dev-rot', sessionEnded: true });
    expect(rotated.body.secret).not.toBe(old);
    await ended;
    expect(await refusedOverMqtt('dev-rot', old)).toMatch(/Bad username or password|Not authorized/i);
    expect((await config('dev-rot', old)).status).toBe(401);
    const again = await connectDevice(hub, 'dev-rot', rotated.body.secret);
    expect(again.connected).toBe(true);
    again.end(true);
    expect((await config('dev-rot', rotated.body.secret)).status).toBe(200);
    const audit = await api<{ entries: Array<{ action: string }> }>(hub, 'GET', '/api/v1/audit?subject=device:dev-rot');
    expect(audit.body.entries.map((entry) => entry.action)).toContain('device.secret-rotated');
  });

  it('decommissioning ends the session, refuses the device everywhere and keeps its history', async () => {
    const secret = await enrol(hub, 'dev-gone');
    const upload = await api(hub, 'POST', `/api/v1/models/vad/versions?version=1&probe=${SILERO_PROBE}`, { bytes: new Uint8Array(await readFile(SILERO_V5)) });
    expect(upload.status).toBe(201);
    expect((await api(hub, 'PUT', '/api/v1/devices/dev-gone/assignment', { json: { model: 'vad', version: '1' } })).status).toBe(200);
    const client = await connectDevice(hub, 'dev-gone', secret);
    const ended = closed(client);

    const gone = await api<{ id: string; decommissionedAt: string; sessionEnded: boolean }>(hub, 'DELETE', '/api/v1/devices/dev-gone');
    expect(gone.status, JSON.stringify(gone.body)).toBe(200);
    expect(gone.body).toMatchObject({ id: 'dev-gone', sessionEnded: true });
    await ended;
    expect(await refusedOverMqtt('dev-gone', secret)).toMatch(/Bad username or password|Not authorized/i);
    expect((await config('dev-gone', secret)).status).toBe(401);

    const view = await api<DeviceReply>(hub, 'GET', '/api/v1/devices/dev-gone');
    expect(view.body).toMatchObject({ decommissionedAt: gone.body.decommissionedAt, assignment: null });
    expect((await api(hub, 'GET', '/api/v1/devices/dev-gone/events')).status).toBe(200);
    const audit = await api<{ entries: Array<{ action: string }> }>(hub, 'GET', '/api/v1/audit?subject=device:dev-gone');
    expect(audit.body.entries.map((entry) => entry.action)).toEqual(expect.arrayContaining(['device.enrolled', 'device.decommissioned']));

    const repeat = await api<{ decommissionedAt: string; sessionEnded: boolean }>(hub, 'DELETE', '/api/v1/devices/dev-gone');
    expect(repeat.status).toBe(200);
    expect(repeat.body).toMatchObject({ decommissionedAt: gone.body.decommissionedAt, sessionEnded: false });
    for (const [method, path, json] of [
      ['PUT', '/api/v1/devices/dev-gone/assignment', { model: 'vad', version: '1' }],
      ['POST', '/api/v1/devices/dev-gone/secret', undefined],
      ['POST', '/api/v1/devices', { id: 'dev-gone' }],
    ] as const) {
      const refused = await api<ErrorReply>(hub, method, path, json === undefined ? {} : { json });
      expect(refused.status, `${method} ${path}`).toBe(409);
      expect(refused.body.error.message).toMatch(/decommissioned/);
    }
  });

  it('answers 404 for unknown devices, 400 for bad ids, and 401 to anyone but the admin', async () => {
    for (const [method, path] of [
      ['POST', '/api/v1/devices/nobody/secret'],
      ['DELETE', '/api/v1/devices/nobody'],
    ] as const) {
      expect((await api<ErrorReply>(hub, method, path)).body.error.code).toBe('E_NOT_FOUND');
      expect((await api(hub, method, path, { token: null })).status).toBe(401);
    }
    expect((await api(hub, 'DELETE', '/api/v1/devices/bad%20id')).status).toBe(400);
    const secret = await enrol(hub, 'dev-self');
    const selfService = await fetch(`${hub.httpUrl}/api/v1/devices/dev-self/secret`, { method: 'POST', headers: { authorization: basicAuth('dev-self', secret) } });
    expect(selfService.status).toBe(401);
  });
});
