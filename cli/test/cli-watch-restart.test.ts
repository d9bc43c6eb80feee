/**
 * `edgefleet rollouts watch` rides out a hub restart (an upgrade, a supervisor restarting it): the
 * real hub is closed while a watch follows a rollout waiting for approval, started again on the
 * same data dir and port, the rollout approved with `rollouts advance`, and the same watch ends
 * with exit 0 when it completes, rather than exit 6 at the first refused connection.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub, type Hub } from '@edgefleet/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models, testLogger, uploadModel } from '../../test/support/harness';
import { until } from '../../test/support/process';
import { testDatabase } from '../../test/support/test-database';
import { json, runCli, type CliEnv, type CliResult } from './support/cli';

describe('edgefleet rollouts watch across a hub restart', () => {
  let dir = '';
  let hub: Hub | undefined;
  let env: CliEnv;
  const start = async (httpPort: number): Promise<Hub> => startHub({ ...(await testDatabase(dir)), dataDir: dir, httpPort, mqttPort: 0, host: '127.0.0.1', logger: testLogger });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgefleet-cli-restart-'));
    hub = await start(0);
    env = { config: join(dir, 'cli', 'config.json') };
    const login = await runCli(env, ['login', '--url', hub.httpUrl, '--token-file', join(dir, 'admin-token')]);
    expect(login.code, login.stderr).toBe(0);
    await uploadModel(hub, 'vad', models.sileroV5, '1');
    expect((await runCli(env, ['rings', 'set', 'lab', '--position', '0'])).code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await hub?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps watching while the hub is down and ends with exit 0 when the rollout completes after it is back', async () => {
    const plan = join(dir, 'plan.json');
    await writeFile(plan, JSON.stringify({ steps: [{ kind: 'ring', ring: 'lab' }, { kind: 'approve', note: 'after the restart' }] }));
    const created = await runCli(env, ['rollouts', 'create', '--model', 'vad', '--version', '1', '--plan', plan, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const id = json<{ id: string }>(created).id;

    let sofar: CliResult = { code: null, stdout: '', stderr: '' };
    const watching = runCli(env, ['rollouts', 'watch', id, '--interval', '0.2'], { timeoutMs: 60_000, onOutput: (output) => (sofar = output) });
    await until(async () => (sofar.stdout.includes('step 2/2 approve') ? true : undefined), 'the watch at the approval step', 20_000, () => JSON.stringify(sofar));

    const port = Number(new URL(hub?.httpUrl ?? '').port);
    await hub?.close();
    hub = undefined;
    await until(async () => (sofar.stderr.includes('trying again for up to') ? true : undefined), 'the watch noticing the hub is gone', 20_000, () => JSON.stringify(sofar));
    hub = await start(port);

    const advanced = await runCli(env, ['rollouts', 'advance', id]);
    expect(advanced.code, advanced.stderr).toBe(0);
    const watched = await watching;
    expect(watched.code, watched.stderr).toBe(0);
    // Said once when it stopped answering (refused, or cut off while it shut down) and once when it was back.
    expect(watched.stderr.split('\n').filter((l) => l.endsWith('; trying again for up to 120 s'))).toHaveLength(1);
    expect(watched.stderr).toContain('The hub answers again; watching on.');
    expect(watched.stdout).toMatch(new RegExp(`^Rollout ${id} completed: vad@1 reached every step\\.$`, 'm'));
  }, 90_000);
});
