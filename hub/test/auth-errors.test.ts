/**
 * Errors that say what to do (issue 15 item 6), on a real hub: a refused admin request says where
 * this hub takes its admin token from (EDGEFLEET_ADMIN_TOKEN, or <data dir>/admin-token; never the
 * token, nor the server's paths), and a start with the variable warns of a file it overrides; a
 * failed device login over HTTP or MQTT CONNECT is logged with the device id, the source address
 * and the reason (unknown device, wrong secret, decommissioned), at most once per device per
 * minute with a count of the lines held back, and never with the secret.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub, Logger } from '../src/index';
import { api, basicAuth, connectDevice, enrol, makeTempDir, testHub, type TempDir } from './support';

interface Line {
  level: 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

const T0 = Date.parse('2026-11-22T08:00:00.000Z');

describe('errors that say what to do', () => {
  let dir: TempDir;
  let hub: Hub;
  let clock = T0;
  const lines: Line[] = [];
  const logger: Logger = {
    info: (msg, fields) => lines.push({ level: 'info', msg, fields: { ...fields } }),
    warn: (msg, fields) => lines.push({ level: 'warn', msg, fields: { ...fields } }),
    error: (msg, fields) => lines.push({ level: 'error', msg, fields: { ...fields } }),
  };
  const authLines = (deviceId: string): Line[] => lines.filter((l) => l.msg.startsWith('device auth failed') && l.fields['deviceId'] === deviceId);
  const deviceGet = (id: string, secret: string): Promise<Response> => fetch(`${hub.httpUrl}/device/v1/config`, { headers: { authorization: basicAuth(id, secret) } });
  const secrets: Record<string, string> = {};

  beforeAll(async () => {
    dir = await makeTempDir();
    hub = await testHub(dir.path, { logger, now: () => new Date(clock) });
    for (const id of ['ae-ok', 'ae-gone']) secrets[id] = await enrol(hub, id);
  });
  afterAll(async () => {
    await hub?.close();
    await dir?.remove();
  });

  it('a missing or wrong admin token says where the token lives, keeping its code and hiding the token and the paths', async () => {
    for (const token of [null, 'not-the-admin-token-at-all']) {
      const reply = await api<{ error: { code: string; message: string } }>(hub, 'GET', '/api/v1/devices', { token });
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe('E_UNAUTHORIZED');
      // This hub was given its token (EDGEFLEET_ADMIN_TOKEN): that is where to look, not a file.
      expect(reply.body.error.message).toContain('this hub was given its admin token at start (EDGEFLEET_ADMIN_TOKEN in its environment, or by the program that started it); <data dir>/admin-token is not read then');
      expect(reply.body.error.message).not.toContain(hub.adminToken);
      expect(reply.body.error.message).not.toContain(dir.path);
    }
    // The console's sign-in shows the same hint.
    const signIn = await fetch(`${hub.httpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'wrong-token-wrong-token' }) });
    expect(signIn.status).toBe(401);
    expect(((await signIn.json()) as { error: { message: string } }).error.message).toContain('given its admin token at start (EDGEFLEET_ADMIN_TOKEN');
  });

  it('points at <data dir>/admin-token when the hub keeps its token there, and warns at start of a file the variable overrides', async () => {
    const other = await makeTempDir();
    const started: Line[] = [];
    const keep = (level: Line['level']) => (msg: string, fields?: object) => void started.push({ level, msg, fields: { ...fields } });
    const quiet: Logger = { info: keep('info'), warn: keep('warn'), error: keep('error') };
    const tokenWarnings = (): Line[] => started.filter((l) => l.level === 'warn' && l.msg.includes('admin-token file'));
    try {
      // No adminToken: generated into the data dir, as `npm start` does.
      const fromFile = await testHub(other.path, { adminToken: undefined, logger: quiet });
      const reply = await api<{ error: { message: string } }>(fromFile, 'GET', '/api/v1/devices', { token: 'not-the-admin-token-at-all' });
      await fromFile.close();
      expect(reply.status).toBe(401);
      expect(reply.body.error.message).toContain('the hub keeps its admin token in <data dir>/admin-token (mode 0600; EDGEFLEET_DATA_DIR, default ./data)');
      expect(reply.body.error.message).not.toContain('EDGEFLEET_ADMIN_TOKEN');
      expect(reply.body.error.message).not.toContain(other.path);
      expect(tokenWarnings()).toEqual([]);

      // Started again with the variable: the file's token is refused, and the log says so once.
      const fromEnv = await testHub(other.path, { adminToken: 'an-admin-token-from-the-environment', logger: quiet });
      expect((await api(fromEnv, 'GET', '/api/v1/devices', { token: fromFile.adminToken })).status).toBe(401);
      await fromEnv.close();
      expect(tokenWarnings()).toEqual([
        { level: 'warn', msg: expect.stringContaining('the admin token was given (EDGEFLEET_ADMIN_TOKEN): the admin-token file in the data dir holds another token'), fields: { file: join(other.path, 'admin-token') } },
      ]);
      expect(JSON.stringify(started)).not.toContain(fromFile.adminToken);
    } finally {
      await other.remove();
    }
  });

  it('logs a wrong secret over HTTP with the device, the address and the reason, never the secret', async () => {
    const wrong = 'a-wrong-secret-that-must-never-be-logged';
    const reply = await deviceGet('ae-ok', wrong);
    expect(reply.status).toBe(401);
    expect(((await reply.json()) as { error: { message: string } }).error.message).toContain('check the device id and secret');
    await expect.poll(() => authLines('ae-ok')).toHaveLength(1);
    expect(authLines('ae-ok')[0]).toEqual({
      level: 'warn',
      msg: 'device auth failed: wrong secret',
      fields: { deviceId: 'ae-ok', source: '127.0.0.1', transport: 'http', reason: 'wrong secret', advice: expect.stringContaining('give the device its current secret') },
    });
    expect(JSON.stringify(lines)).not.toContain(wrong);
    // The right secret still works, and logs nothing of the kind.
    expect((await deviceGet('ae-ok', secrets['ae-ok'] ?? '')).status).toBe(200);
  });

  it('names an unknown device, and a decommissioned one', async () => {
    expect((await deviceGet('ae-nobody', 'whatever-secret')).status).toBe(401);
    await expect.poll(() => authLines('ae-nobody').map((l) => l.fields['reason'])).toEqual(['unknown device']);
    expect((await api(hub, 'DELETE', '/api/v1/devices/ae-gone')).status).toBe(200);
    expect((await deviceGet('ae-gone', secrets['ae-gone'] ?? '')).status).toBe(401);
    await expect.poll(() => authLines('ae-gone').map((l) => [l.msg, l.fields['advice']])).toEqual([['device auth failed: decommissioned', expect.stringContaining('enrol a new id')]]);
  });

  it('writes at most one line per device per minute, and counts what it held back', async () => {
    for (let i = 0; i < 5; i++) expect((await deviceGet('ae-ok', `wrong-${i}`)).status).toBe(401);
    expect(authLines('ae-ok')).toHaveLength(1);
    clock += 61_000;
    expect((await deviceGet('ae-ok', 'wrong-again')).status).toBe(401);
    await expect.poll(() => authLines('ae-ok')).toHaveLength(2);
    expect(authLines('ae-ok')[1]?.fields).toMatchObject({ reason: 'wrong secret', suppressed: 5 });
  });

  it('logs a refused MQTT CONNECT the same way, once per minute across transports', async () => {
    clock += 61_000;
    const wrong = 'an-mqtt-secret-that-must-never-be-logged';
    await expect(connectDevice(hub, 'ae-ok', wrong)).rejects.toThrow(/Not authorized|Bad username or password/i);
    await expect.poll(() => authLines('ae-ok')).toHaveLength(3);
    expect(authLines('ae-ok')[2]?.fields).toMatchObject({ deviceId: 'ae-ok', source: '127.0.0.1', transport: 'mqtt', reason: 'wrong secret' });
    // Within the minute, HTTP and MQTT share the limit.
    expect((await deviceGet('ae-ok', 'wrong-http')).status).toBe(401);
    await expect(connectDevice(hub, 'ae-unknown', wrong)).rejects.toThrow();
    await expect.poll(() => authLines('ae-unknown').map((l) => [l.fields['transport'], l.fields['reason']])).toEqual([['mqtt', 'unknown device']]);
    expect(authLines('ae-ok')).toHaveLength(3);
    expect(JSON.stringify(lines)).not.toContain(wrong);
  });
});
