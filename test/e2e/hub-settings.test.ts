/**
 * The hub as `npm start` runs it warns about a variable that looks like a misspelt setting: an
 * operator who wrote EDGEFLEET_HTTP_PROT would otherwise get the default port, silently.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HubChild } from '../support/hub-child';

describe('hub start-up settings', { timeout: 180_000 }, () => {
  let dir = '';
  let hub: HubChild | null = null;

  afterAll(async () => {
    await hub?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('warns about a misspelt EDGEFLEET_ variable, naming the setting it resembles, and not about other programs\' variables', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hub-settings-'));
    hub = new HubChild({
      dataDir: dir,
      adminToken: 'hub-settings-admin-token-0123456789',
      env: { EDGEFLEET_HTTP_PROT: '9999', EDGEFLEET_HUB_URL: 'http://elsewhere:8080', EDGEFLEET_AGENT_PORT: '8181' },
    });
    await hub.start();
    const warnings = hub.output().split('\n').filter((line) => line.includes('does not read'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({
      level: 'warn',
      msg: 'ignoring variables the hub does not read: EDGEFLEET_HTTP_PROT (did you mean EDGEFLEET_HTTP_PORT?)',
    });
    const health = await fetch(`${hub.httpUrl}/healthz`);
    expect(health.status).toBe(200);
  });
});
