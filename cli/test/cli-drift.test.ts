/**
 * Drift and alerts through the `edgefleet` bin against a real hub with a 60 s drift period and a
 * controlled clock: a version trained by `train start --wait`, devices publishing shifted
 * statistics windows over MQTT, the drift job run with `jobs run`, then the open alert listed,
 * shown with its evidence, and the drift view naming the shifted feature, readable within 80
 * columns and as the hub's JSON.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { statsTopic, type ReferenceProfile, type ReleaseManifest, type StatsWindow } from '@edgefleet/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { windowOf } from '../../hub/src/core/drift';
import { createRandom } from '../../hub/src/core/training/random';
import { api, connectDevice, enrol } from '../../hub/test/support';
import { syntheticCsv } from '../../hub/test/training/synthetic';
import { json, loggedIn, runCli, startCliHub, type CliEnv, type CliHub } from './support/cli';

const MODEL = 'drift-cls';
const VERSION = '1.0.0';
const T0 = Date.parse('2026-11-21T09:00:00.000Z');
const DEVICES = ['dr-a', 'dr-b', 'dr-c'];

interface Alert {
  id: string;
  model: string;
  version: string;
  status: string;
  signals: string[];
}

describe('edgefleet: drift and alerts', () => {
  let h: CliHub;
  let env: CliEnv;
  let clock = T0 + 5_000;
  let reference: ReferenceProfile;
  let sha256 = '';
  const clients: MqttClient[] = [];

  const at = (minute: number, second: number): number => T0 + minute * 60_000 + second * 1000;
  const iso = (ms: number): string => new Date(ms).toISOString();
  const received = async (): Promise<number> => (await api<{ ingest: { received: Record<string, number> } }>(h.hub, 'GET', '/api/v1/broker/stats')).body.ingest.received.stats ?? 0;

  beforeAll(async () => {
    // The drift job's schedule is out of the way (first of January): the test runs it with `jobs run`.
    h = await startCliHub({ now: () => new Date(clock), driftPeriodS: 60, driftSchedule: '0 0 1 1 *' });
    env = await loggedIn(h);
    const csv = join(h.work, 'synthetic.csv');
    await writeFile(csv, syntheticCsv(600));
    const upload = await runCli(env, ['datasets', 'upload', csv, '--name', 'synth']);
    expect(upload.code, upload.stderr).toBe(0);
    const trained = await runCli(env, ['train', 'start', '--dataset', 'synth', '--target', 'y', '--trainer', 'linear', '--features', 'x1,x2', '--model', MODEL, '--version', VERSION, '--wait', '--interval', '0.2', '--json'], { timeoutMs: 60_000 });
    expect(trained.code, trained.stderr).toBe(0);
    const version = await api<{ sha256: string; manifest: ReleaseManifest }>(h.hub, 'GET', `/api/v1/models/${MODEL}/versions/${VERSION}`);
    sha256 = version.body.sha256;
    if (!version.body.manifest.reference) throw new Error('the trained version has no reference profile');
    reference = version.body.manifest.reference;
    for (const id of DEVICES) clients.push(await connectDevice(h.hub, id, await enrol(h.hub, id)));
  }, 90_000);

  afterAll(async () => {
    for (const client of clients) client.end(true);
    await h?.close();
  });

  it('jobs run opens an alert on a shifted feature; alerts list, alerts show and drift say which', async () => {
    // Every device publishes one 300-row window in minute 0 with x1 shifted by 1.5 sd.
    clock = at(0, 50);
    const before = await received();
    for (const [n, client] of clients.entries()) {
      const device = DEVICES[n] ?? '';
      const random = createRandom(3000 + n);
      const numeric = reference.features.map((_, i) => Array.from({ length: 300 }, () => random.gaussian() + (i === 0 ? 1.5 : 0)));
      const window: StatsWindow = { ...windowOf(reference, { device, numeric, windowStart: iso(at(0, 10)) }), msgId: `cli-drift-${device}`, model: MODEL, version: VERSION, sha256, windowEnd: iso(at(0, 40)) };
      await client.publishAsync(statsTopic(device), JSON.stringify(window), { qos: 1 });
    }
    await expect.poll(received).toBe(before + DEVICES.length);
    clock = at(1, 15);

    const job = await runCli(env, ['jobs', 'run', 'drift-evaluation']);
    expect(job.code, job.stderr).toBe(0);
    expect(job.stdout).toMatch(/^outcome +ok$/m);

    const listed = await runCli(env, ['alerts', 'list', '--status', 'open', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const alerts = json<{ alerts: Alert[] }>(listed).alerts;
    expect(alerts).toEqual([expect.objectContaining({ model: MODEL, version: VERSION, status: 'open', signals: ['x1'] })]);
    const id = alerts[0]?.id ?? '';
    const table = await runCli(env, ['alerts', 'list', '--model', MODEL]);
    expect(table.stdout).toMatch(new RegExp(`^${id.slice(0, 8)} +${MODEL}@${VERSION} +open +drift +x1 `, 'm'));

    // A prefix of the id, as the table shows it; the evidence names the signal and why it alarmed.
    const shown = await runCli(env, ['alerts', 'show', id.slice(0, 8)]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^id +${id}$`, 'm'));
    expect(shown.stdout).toMatch(/^x1 +drift +on 3 devices: dr-a, dr-b, dr-c$/m);
    // The reason whole (wrapped, not cut), as the hub gave it.
    const reason = json<{ evidence: { signals: { reasons: string[] }[] } }>(await runCli(env, ['alerts', 'show', id, '--json'])).evidence.signals[0]?.reasons[0] ?? '';
    expect(reason).toMatch(/^Page-Hinkley on the merged drift score per 60 s period: /);
    const printed = shown.stdout.slice(shown.stdout.indexOf('  - ')).split('\n').map((l) => l.trim().replace(/^- /, '')).join(' ').trim();
    expect(printed).toBe(reason);

    const range = ['--from', iso(at(0, 0)), '--to', iso(at(1, 0))];
    const drift = await runCli(env, ['drift', MODEL, VERSION, ...range]);
    expect(drift.code, drift.stderr).toBe(0);
    expect(drift.stdout).toMatch(/^drifting +x1$/m);
    const driftJson = json<{ report: { drifting: string[]; n: number } | null }>(await runCli(env, ['models', 'drift', MODEL, VERSION, ...range, '--json']));
    expect(driftJson.report).toMatchObject({ drifting: ['x1'], n: 900 });

    for (const result of [table, shown, drift]) expect(result.stdout.split('\n').filter((l) => l.length > 80)).toEqual([]);
  }, 60_000);
});
