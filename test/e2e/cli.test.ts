/**
 * Given a fresh data dir, `npm start` brings the hub up on its embedded defaults (ports moved
 * only to avoid clashes), and `npm run agent` configured by CONTRACT's environment serves a model.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { api, models, sileroProbeQuery, tempDir } from '../support/harness';
import { freePort, runNpm, until, type RunningCommand } from '../support/process';
import { testDatabaseEnv } from '../support/test-database';

const repoRoot = resolve(import.meta.dirname, '..', '..');

describe('CLI: npm start and npm run agent', () => {
  const running: RunningCommand[] = [];
  const dirs: Array<{ remove(): Promise<void> }> = [];
  afterAll(async () => {
    for (const command of running) await command.stop();
    for (const dir of dirs) await dir.remove();
  });

  it('starts the hub, prints the generated admin token once, and an agent process serves an assigned model', async () => {
    const hubDir = await tempDir('cli-hub');
    const agentDir = await tempDir('cli-agent');
    dirs.push(hubDir, agentDir);
    const [httpPort, mqttPort, agentPort] = [await freePort(), await freePort(), await freePort()];
    const hubEnv = { ...(await testDatabaseEnv(hubDir.path)), EDGEFLEET_DATA_DIR: hubDir.path, EDGEFLEET_HTTP_PORT: String(httpPort), EDGEFLEET_MQTT_PORT: String(mqttPort) };
    const httpUrl = `http://127.0.0.1:${httpPort}`;

    const first = runNpm('start', repoRoot, hubEnv);
    running.push(first);
    await until(async () => ((await fetch(`${httpUrl}/healthz`)).ok ? true : undefined), 'hub /healthz', 30_000, first.output);
    expect(await (await fetch(`${httpUrl}/healthz`)).json()).toEqual({ status: 'ok' });

    const tokenFile = join(hubDir.path, 'admin-token');
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(hubDir.path, 'keys', 'release.pem'))).mode & 0o777).toBe(0o600);
    const adminToken = (await readFile(tokenFile, 'utf8')).trim();
    expect(first.output()).toContain(adminToken);
    const hub = { httpUrl, adminToken };

    // A restart reuses the token and never prints it again.
    await first.stop();
    const second = runNpm('start', repoRoot, hubEnv);
    running.push(second);
    await until(async () => ((await fetch(`${httpUrl}/healthz`)).ok ? true : undefined), 'hub restart', 30_000, second.output);
    expect(second.output()).not.toContain(adminToken);
    expect((await api(hub, 'GET', '/api/v1/devices')).status).toBe(200);
    expect((await api(hub, 'GET', '/api/v1/devices', undefined, { token: null })).status).toBe(401);

    const model = new Uint8Array(await readFile(models.sileroV5));
    expect((await api(hub, 'POST', `/api/v1/models/vad/versions?version=1&probe=${sileroProbeQuery}`, model)).status).toBe(201);
    const enrolled = await api<{ secret: string }>(hub, 'POST', '/api/v1/devices', { id: 'cli-dev' });
    expect(enrolled.status).toBe(201);

    const agent = runNpm('agent', repoRoot, {
      EDGEFLEET_HUB_URL: httpUrl,
      EDGEFLEET_DEVICE_ID: 'cli-dev',
      EDGEFLEET_DEVICE_SECRET: enrolled.body.secret,
      EDGEFLEET_AGENT_DATA_DIR: agentDir.path,
      EDGEFLEET_AGENT_PORT: String(agentPort),
    });
    running.push(agent);
    expect((await api(hub, 'PUT', '/api/v1/devices/cli-dev/assignment', { model: 'vad', version: '1' })).status).toBe(200);
    const status = await until(
      async () => {
        const body = (await (await fetch(`http://127.0.0.1:${agentPort}/v1/status`)).json()) as { phase: string; active: { version: string } | null };
        return body.phase === 'serving' && body.active?.version === '1' ? body : undefined;
      },
      'agent serving vad@1',
      30_000,
      agent.output,
    );
    expect(status.active?.version).toBe('1');
    expect(agent.output()).not.toContain(enrolled.body.secret);
    expect(second.output()).not.toContain(enrolled.body.secret);
  });
});
