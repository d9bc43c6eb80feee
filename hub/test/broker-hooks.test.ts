/**
 * ISSUE 12 item 3 (EMQX/HiveMQ). Given a hub started with EDGEFLEET_BROKER_HOOK_TOKEN, when an
 * external broker's HTTP hooks ask as EMQX 5 does (JSON bodies from its placeholders, the token
 * as a bearer header), then: a device with its own client id and secret is allowed, a wrong
 * secret, a borrowed client id and a decommissioned device are denied, usernames that are not
 * devices are left to the broker (ignore); topics follow the device ACL; requests without the
 * token are 401, bad bodies 400 naming the field; a wrong secret is logged with the broker's
 * peer address, a refusal of a throttled address is not logged as one; and without the setting
 * the hooks do not exist.
 */
import { describe, expect, it } from 'vitest';
import type { Hub } from '../src/index';
import { api, enrol, makeTempDir, testHub, useTestHub } from './support';

const TOKEN = 'broker-hook-token-0123456789abcdef';

describe('broker HTTP hooks', () => {
  let hub: Hub;
  useTestHub(
    (started) => {
      hub = started.hub;
    },
    { brokerHookToken: TOKEN },
  );

  const hook = async (path: string, body: unknown, token: string | null = TOKEN) =>
    api<{ result?: string; error?: { code: string; message: string } }>(hub, 'POST', `/broker/v1/${path}`, { json: body, token });

  it('authenticates devices by their own client id and secret, and leaves other users to the broker', async () => {
    const secret = await enrol(hub, 'dev-h1');
    const allowed = await hook('authenticate', { clientid: 'dev-h1', username: 'dev-h1', password: secret, peerhost: '10.0.0.5' });
    expect(allowed.status).toBe(200);
    expect(allowed.body).toEqual({ result: 'allow' });
    expect((await hook('authenticate', { clientid: 'dev-h1', username: 'dev-h1', password: 'wrong', peerhost: '10.0.0.5' })).body).toEqual({ result: 'deny' });
    expect((await hook('authenticate', { clientid: 'edgefleet-hub', username: 'dev-h1', password: secret })).body).toEqual({ result: 'deny' });
    expect((await hook('authenticate', { clientid: 'edgefleet-hub', username: 'edgefleet-hub', password: 'whatever' })).body).toEqual({ result: 'ignore' });
    expect((await api(hub, 'DELETE', '/api/v1/devices/dev-h1')).status).toBe(200);
    expect((await hook('authenticate', { clientid: 'dev-h1', username: 'dev-h1', password: secret })).body).toEqual({ result: 'deny' });
  });

  it("authorizes exactly a device's own topics, never retained", async () => {
    await enrol(hub, 'dev-h2');
    const ask = async (topic: string, action: string, retain?: string) => (await hook('authorize', { clientid: 'dev-h2', username: 'dev-h2', topic, action, ...(retain ? { retain } : {}) })).body.result;
    expect(await ask('ef/v1/d/dev-h2/stats', 'publish', 'false')).toBe('allow');
    expect(await ask('ef/v1/d/dev-h2/stats', 'publish', 'true')).toBe('deny');
    // A broker that lacks the placeholder sends it as written: taken as not retained, not refused.
    expect(await ask('ef/v1/d/dev-h2/stats', 'publish', '${retain}')).toBe('allow');
    expect(await ask('ef/v1/d/dev-h3/state', 'publish')).toBe('deny');
    expect(await ask('ef/v1/d/dev-h2/desired', 'subscribe')).toBe('allow');
    expect(await ask('ef/v1/d/+/desired', 'subscribe')).toBe('deny');
    expect((await hook('authorize', { clientid: 'edgefleet-hub', username: 'edgefleet-hub', topic: 'ef/v1/#', action: 'subscribe' })).body.result).toBe('ignore');
  });

  it('refuses callers without the token and bodies without their fields', async () => {
    expect((await hook('authenticate', { clientid: 'a', username: 'a', password: 'b' }, null)).status).toBe(401);
    expect((await hook('authenticate', { clientid: 'a', username: 'a', password: 'b' }, 'wrong-token-wrong-token-wrong')).status).toBe(401);
    expect((await hook('authenticate', { clientid: 'a', username: 'a', password: 'b' }, hub.adminToken)).status).toBe(401);
    const bad = await hook('authorize', { clientid: 'a', username: 'a', topic: 't', action: 'connect' });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toContain('action');
  });
});

describe('broker HTTP hooks, failed logins in the log', () => {
  let hub: Hub;
  let clock = Date.parse('2026-11-22T08:00:00.000Z');
  const lines: { msg: string; fields: Record<string, unknown> }[] = [];
  const keep = (msg: string, fields?: object): void => void lines.push({ msg, fields: { ...fields } });
  useTestHub(
    (started) => {
      hub = started.hub;
    },
    { brokerHookToken: TOKEN, now: () => new Date(clock), logger: { info: keep, warn: keep, error: keep } },
  );
  const authenticate = async (id: string, password: string, peerhost: string) =>
    (await api<{ result: string }>(hub, 'POST', '/broker/v1/authenticate', { json: { clientid: id, username: id, password, peerhost }, token: TOKEN })).body.result;
  const failures = (id: string) => lines.filter((l) => l.msg.startsWith('device auth failed') && l.fields['deviceId'] === id).map((l) => [l.fields['transport'], l.fields['source'], l.fields['reason']]);

  it('logs a wrong secret with the address the broker saw, and not a refusal of a throttled address', async () => {
    const secret = await enrol(hub, 'dev-h4');
    // 21 wrong secrets: one line (a minute's worth), and the id refuses this address for a while.
    for (let i = 0; i < 21; i++) expect(await authenticate('dev-h4', `wrong-${i}`, '10.0.0.7')).toBe('deny');
    await expect.poll(() => failures('dev-h4')).toEqual([['broker-hook', '10.0.0.7', 'wrong secret']]);
    // A minute on (the log's clock; the limit's is real time): the right secret, refused unchecked.
    clock += 61_000;
    expect(await authenticate('dev-h4', secret, '10.0.0.7')).toBe('deny');
    // Another device's failure, looked up after it, is logged; the throttled refusal is not a "wrong secret".
    await enrol(hub, 'dev-h5');
    expect(await authenticate('dev-h5', 'wrong', '10.0.0.8')).toBe('deny');
    await expect.poll(() => failures('dev-h5')).toEqual([['broker-hook', '10.0.0.8', 'wrong secret']]);
    expect(failures('dev-h4')).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain(secret);
  });
});

describe('broker HTTP hooks, not configured', () => {
  it('do not exist', async () => {
    const dir = await makeTempDir();
    const hub = await testHub(dir.path);
    try {
      expect((await api(hub, 'POST', '/broker/v1/authenticate', { json: { clientid: 'a', username: 'a', password: 'b' }, token: TOKEN })).status).toBe(404);
    } finally {
      await hub.close();
      await dir.remove();
    }
  });
});
