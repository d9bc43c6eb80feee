/**
 * Rollouts through the `edgefleet` bin against a real hub and a real agent (ring canary): created
 * from a plan file, paused, resumed, approved with advance and watched to completion (exit 0);
 * rolled back (the device serves version 1 again; watch exits 1); aborted with --revert; a
 * second rollout of the model refused (exit 5); a bad plan answered with each faulty step (exit 2).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startAgent, type Agent } from '@edgefleet/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_AGENT_TUNING, api, models, tempDir, testLogger, uploadModel, type TempDir } from '../../test/support/harness';
import { until } from '../../test/support/process';
import { json, loggedIn, runCli, type CliEnv, type CliHub, startCliHub } from './support/cli';

interface RolloutView {
  id: string;
  state: string;
  step: number;
}

describe('edgefleet rollouts: plan file, watch, pause, resume, advance, abort, rollback', () => {
  let h: CliHub;
  let env: CliEnv;
  let agentDir: TempDir;
  let agent: Agent;
  let planFile: string;

  const serving = (version: string): Promise<true> => until(async () => (agent.status().active?.version === version && agent.status().phase === 'serving' ? true : undefined), `edge-1 serving vad@${version}`, 20_000);
  const rollout = async (id: string): Promise<RolloutView> => (await api<RolloutView>(h.hub, 'GET', `/api/v1/rollouts/${id}`)).body;
  const create = async (plan: unknown): Promise<string> => {
    await writeFile(planFile, JSON.stringify(plan));
    const created = await runCli(env, ['rollouts', 'create', '--model', 'vad', '--version', '2', '--plan', planFile, '--json']);
    expect(created.code, created.stderr).toBe(0);
    return json<RolloutView>(created).id;
  };

  beforeAll(async () => {
    h = await startCliHub();
    env = await loggedIn(h);
    planFile = join(h.work, 'plan.json');
    await uploadModel(h.hub, 'vad', models.sileroV5, '1');
    await uploadModel(h.hub, 'vad', models.sileroV6, '2');
    expect((await runCli(env, ['rings', 'set', 'canary', '--position', '0'])).code).toBe(0);
    const secretFile = join(h.work, 'edge-1.secret');
    const enrol = await runCli(env, ['devices', 'enrol', 'edge-1', '--ring', 'canary', '--secret-file', secretFile]);
    expect(enrol.code, enrol.stderr).toBe(0);
    agentDir = await tempDir('cli-agent');
    agent = await startAgent({ hubUrl: h.hub.httpUrl, deviceId: 'edge-1', deviceSecret: (await readFile(secretFile, 'utf8')).trim(), dataDir: agentDir.path, port: 0, host: '127.0.0.1', logger: testLogger, tuning: FAST_AGENT_TUNING });
    expect((await runCli(env, ['devices', 'assign', 'edge-1', 'vad', '1'])).code).toBe(0);
    await serving('1');
  }, 60_000);

  afterAll(async () => {
    await agent?.close();
    await h?.close();
    await agentDir?.remove();
  });

  it('a rollout from a plan file is paused, resumed, approved with advance and watched to completion (exit 0)', async () => {
    const id = await create({ steps: [{ kind: 'ring', ring: 'canary' }, { kind: 'approve', note: 'check the canary' }, { kind: 'ring', ring: '*' }] });
    const watching = runCli(env, ['rollouts', 'watch', id.slice(0, 8), '--interval', '0.2'], { timeoutMs: 40_000 });
    await serving('2');
    await until(async () => ((await rollout(id)).step === 1 ? true : undefined), 'the approval step', 20_000);

    const paused = await runCli(env, ['rollouts', 'pause', id, '--reason', 'lunch']);
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toMatch(new RegExp(`^Rollout ${id}: paused\\.$`, 'm'));
    const again = await runCli(env, ['rollouts', 'pause', id]);
    expect(again.code).toBe(5);
    expect(again.stderr).toBe('edgefleet: E_CONFLICT cannot pause a paused rollout (pause applies to: running)\n');
    expect((await runCli(env, ['rollouts', 'resume', id])).stdout).toMatch(/: running\.$/m);
    const shown = await runCli(env, ['rollouts', 'show', id]);
    expect(shown.stdout).toMatch(/^at +step 2\/3 approve check the canary$/m);
    expect(shown.stdout).toMatch(/^1 +ring +ring canary +done +serving 1$/m);
    expect((await runCli(env, ['rollouts', 'advance', id])).code).toBe(0);

    const watched = await watching;
    expect(watched.code, watched.stderr).toBe(0);
    // A line per change: it started running and ended completed (the pause may fall between two polls).
    expect(watched.stdout).toMatch(/^running +step [12]\/3 /);
    expect(watched.stdout).toMatch(/^completed +all 3 steps done \| devices: serving 1$/m);
    expect(watched.stdout).toMatch(new RegExp(`^Rollout ${id} completed: vad@2 reached every step\\.$`, 'm'));
    expect(watched.stderr).toContain(`waiting for approval: edgefleet rollouts advance ${id}`);

    // Rolled back: the device serves version 1 again, and a watch says how it ended (exit 1).
    const rolledBack = await runCli(env, ['rollouts', 'rollback', id.slice(0, 8), '--json']);
    expect(json<RolloutView>(rolledBack).state).toBe('rolled-back');
    await serving('1');
    const watchEnded = await runCli(env, ['rollouts', 'watch', id, '--json']);
    expect(watchEnded.code).toBe(1);
    expect(json<RolloutView>(watchEnded).state).toBe('rolled-back');
    expect(watchEnded.stderr).toMatch(new RegExp(`^edgefleet: E_FAILED rollout ${id} rolled-back`, 'm'));
  });

  it('a second rollout of the model is refused (exit 5), abort --revert sends the device back, a bad plan names each faulty step (exit 2)', async () => {
    const id = await create({ steps: [{ kind: 'ring', ring: 'canary' }, { kind: 'approve' }] });
    // Scripts wait for the approval step with --until-approval (exit 0 there).
    const waited = await runCli(env, ['rollouts', 'watch', id, '--until-approval', '--interval', '0.2'], { timeoutMs: 30_000 });
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toMatch(new RegExp(`^Rollout ${id} waits: waiting for approval`, 'm'));
    await serving('2');
    const second = await runCli(env, ['rollouts', 'create', '--model', 'vad', '--version', '2', '--plan', planFile]);
    expect(second.code).toBe(5);
    expect(second.stderr).toContain('edgefleet rollouts create ... --supersede');
    // A dry run shows the steps it would start, numbered as rollouts show numbers them, and what is active.
    const dry = await runCli(env, ['rollouts', 'create', '--model', 'vad', '--version', '2', '--plan', planFile, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^The plan is sound: 2 steps\.\n#  KIND +TARGET\n1  ring +ring canary\n2  approve +waits for advance\n/);
    expect(dry.stdout).toContain(`Active rollouts of vad (a create needs --supersede):`);
    expect(dry.stdout.split('\n').filter((l) => l.length > 80)).toEqual([]);

    const aborted = await runCli(env, ['rollouts', 'abort', id, '--revert', '--json']);
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(json<RolloutView>(aborted).state).toBe('aborted');
    await serving('1');
    expect((await runCli(env, ['rollouts', 'watch', id])).code).toBe(1);
    const list = json<{ rollouts: RolloutView[] }>(await runCli(env, ['rollouts', 'list', '--json']));
    expect(list.rollouts.map((r) => r.state)).toEqual(['aborted', 'rolled-back']);

    await writeFile(planFile, JSON.stringify({ steps: [{ kind: 'ring', ring: 'nowhere' }, { kind: 'bake', minutes: 5 }, { kind: 'gate', metrics: [{ metric: 'error-rate', min: 0.1 }] }] }));
    const bad = await runCli(env, ['rollouts', 'create', '--model', 'vad', '--version', '2', '--plan', planFile]);
    expect(bad.code).toBe(2);
    const problems = bad.stderr.split('\n').filter((l) => l.startsWith('  plan.'));
    expect(problems).toEqual([expect.stringMatching(/^ {2}plan\.steps\.0\.ring: no ring "nowhere"/), expect.stringMatching(/^ {2}plan\.steps\.2\.metrics\.0: error-rate takes a max/)]);
  });
});
