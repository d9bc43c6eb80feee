/**
 * `edgefleet models prune | distill` against a real hub: each queues a training run and, with
 * --wait, follows it; a registered result exits 0 with the run in --json, a result the quality
 * gate refuses exits 5 (as a refused quantization does), a refused request exits 2.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sensorCsv } from '../../test/fixtures/datasets';
import { json, loggedIn, runCli, startCliHub, type CliEnv, type CliHub } from './support/cli';

interface Run {
  id: string;
  status: string;
  resultVersion: { model: string; version: string } | null;
  metrics: Record<string, number> | null;
}

describe('edgefleet: pruning and distillation', () => {
  let h: CliHub;
  let env: CliEnv;

  beforeAll(async () => {
    h = await startCliHub();
    env = await loggedIn(h);
    const rows = new TextDecoder().decode(sensorCsv()).split('\n').slice(0, 4001).join('\n');
    const csv = join(h.work, 'sensors.csv');
    await writeFile(csv, `${rows}\n`);
    expect((await runCli(env, ['datasets', 'upload', csv, '--name', 'sensors', '--kinds', 'mote_id=categorical', '--json'])).code).toBe(0);
    const trained = await runCli(env, ['train', 'start', '--dataset', 'sensors', '--target', 'label', '--features', 'humidity,temperature,mote_id', '--params', '{"hidden":[16],"epochs":20}', '--model', 'sensors', '--wait', '--json'], { timeoutMs: 60_000 });
    expect(trained.code, trained.stderr).toBe(0);
  }, 90_000);
  afterAll(async () => {
    await h?.close();
  });

  it('prunes and distils with --wait, and exits 5 when the gate refuses the result', async () => {
    const pruned = await runCli(env, ['models', 'prune', 'sensors', '1', '--sparsity', '0.5', '--as', 'pruned', '--max-metric-loss', '50', '--wait', '--interval', '0.2', '--json'], { timeoutMs: 60_000 });
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(json<Run>(pruned)).toMatchObject({ status: 'succeeded', resultVersion: { model: 'sensors', version: 'pruned' } });
    expect(json<Run>(pruned).metrics?.['sizeRatio']).toBeLessThan(1);

    const student = await runCli(env, ['models', 'distill', 'sensors', '1', '--dataset', 'sensors', '--target', 'label', '--hidden', '8', '--as', 'student', '--max-metric-loss', '50', '--wait', '--interval', '0.2', '--json'], { timeoutMs: 60_000 });
    expect(student.code, student.stderr).toBe(0);
    expect(json<Run>(student)).toMatchObject({ status: 'succeeded', resultVersion: { model: 'sensors', version: 'student' } });
    expect(json<Run>(student).metrics?.['sourceAccuracy']).toBeGreaterThan(0.5);

    // Every hidden unit but one gone, no fine-tuning, no loss allowed: refused, exit 5, nothing registered.
    const crushed = await runCli(env, ['models', 'prune', 'sensors', '1', '--sparsity', '0.99', '--fine-tune-epochs', '0', '--max-accuracy-loss', '0', '--max-metric-loss', '0', '--as', 'crushed', '--wait', '--interval', '0.2'], { timeoutMs: 60_000 });
    expect(crushed.code, crushed.stdout).toBe(5);
    expect(crushed.stderr).toMatch(/E_QUALITY_GATE/);
    expect((await runCli(env, ['models', 'show', 'sensors', 'crushed'])).code).toBe(4);

    // A teacher output that does not exist is refused before anything is queued.
    const bad = await runCli(env, ['models', 'distill', 'sensors', '1', '--dataset', 'sensors', '--target', 'label', '--teacher-output', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no output "nope"/);
  }, 180_000);
});
