/**
 * Devices and the operator's views through the `edgefleet` bin against a real hub: devices are
 * enrolled (secrets to 0600 files or shown once), listed, shown, assigned (--wait for a device
 * that never reports: exit 1), moved, tagged and decommissioned; enrolment
 * tokens, jobs, alerts and the audit trail answer; --json prints the hub's reply as one document.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { models } from '../../test/support/harness';
import { json, loggedIn, runCli, startCliHub, type CliEnv, type CliHub } from './support/cli';

const SILERO_PROBE = { input: { dims: [1, 512] }, sr: { dims: [], data: [16000] } };
const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('edgefleet: devices and operator views', () => {
  let h: CliHub;
  let env: CliEnv;

  beforeAll(async () => {
    h = await startCliHub();
    env = await loggedIn(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('devices: enrol with the secret in a 0600 file or shown once, list, show, assign, move; --json is the hub reply', async () => {
    const probe = join(h.work, 'probe.json');
    await writeFile(probe, JSON.stringify(SILERO_PROBE));
    const upload = await runCli(env, ['models', 'upload', 'vad', '1', models.sileroV5, '--probe', probe, '--json']);
    expect(upload.code, upload.stderr).toBe(0);
    expect(json<{ model: string; version: string; io: { inputs: { name: string }[] } }>(upload)).toMatchObject({ model: 'vad', version: '1', io: { inputs: [{ name: 'input' }, { name: 'state' }, { name: 'sr' }] } });

    const secretFile = join(h.work, 'dev-a.secret');
    const enrolA = await runCli(env, ['devices', 'enrol', 'dev-a', '--ring', 'canary', '--tag', 'site=lab', '--secret-file', secretFile]);
    expect(enrolA.code, enrolA.stderr).toBe(0);
    expect(enrolA.stdout).toBe(`Device dev-a: its secret is in ${secretFile} (mode 0600).\n`);
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
    const secret = (await readFile(secretFile, 'utf8')).trim();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    const enrolB = await runCli(env, ['devices', 'enrol', 'dev-b', '--json']);
    expect(enrolB.code, enrolB.stderr).toBe(0);
    expect(json<{ id: string; secret: string }>(enrolB)).toMatchObject({ id: 'dev-b', secret: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/) });

    const list = await runCli(env, ['devices', 'list', '--json']);
    expect(json<{ devices: { id: string; ring: string; tags: Record<string, string> }[] }>(list).devices.map((d) => [d.id, d.ring, d.tags])).toEqual([
      ['dev-a', 'canary', { site: 'lab' }],
      ['dev-b', 'default', {}],
    ]);
    const canary = await runCli(env, ['devices', 'list', '--ring', 'canary']);
    expect(lines(canary.stdout).map((l) => l.split(/\s+/)[0])).toEqual(['ID', 'dev-a']);
    expect(lines(canary.stdout).every((l) => l.length <= 80)).toBe(true);

    const assign = await runCli(env, ['devices', 'assign', 'dev-a', 'vad', '1']);
    expect(assign.code, assign.stderr).toBe(0);
    expect(assign.stdout).toMatch(/^Device dev-a assigned vad@1 \(deployment seq \d+\)\.$/m);
    // A ramp-up by hand: the shadow answers 10% of the requests; --traffic alone is a usage error.
    const ramp = await runCli(env, ['devices', 'assign', 'dev-b', 'vad', '1', '--shadow', 'vad:1', '--traffic', '10']);
    expect(ramp.code, ramp.stderr).toBe(0);
    expect(ramp.stdout).toMatch(/^Device dev-b assigned vad@1 with 10% of requests to vad@1 \(deployment seq \d+\)\.$/m);
    const alone = await runCli(env, ['devices', 'assign', 'dev-b', 'vad', '1', '--traffic', '10']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--traffic needs --shadow/);
    const shown = await runCli(env, ['devices', 'show', 'dev-a']);
    expect(shown.stdout).toMatch(/^assigned +vad@1, seq \d+/m);
    expect(shown.stdout).toMatch(/^tags +site=lab$/m);

    const moved = await runCli(env, ['devices', 'set-ring', 'dev-b', 'canary', '--json']);
    expect(json<{ ring: string }>(moved).ring).toBe('canary');
    const rings = await runCli(env, ['rings', 'list', '--json']);
    expect(json<{ rings: { name: string; devices: number }[] }>(rings).rings).toEqual([expect.objectContaining({ name: 'canary', devices: 2 })]);

    const rotated = await runCli(env, ['devices', 'rotate-secret', 'dev-a', '--secret-file', secretFile]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect((await readFile(secretFile, 'utf8')).trim()).not.toBe(secret);
    expect(rotated.stdout).not.toMatch(/[A-Za-z0-9_-]{40,}/);

    // --wait on a device whose agent never reports ends with exit 1, saying what it waited for.
    const waited = await runCli(env, ['devices', 'assign', 'dev-a', 'vad', '1', '--wait', '1']);
    expect([waited.code, lines(waited.stderr)[0]]).toEqual([1, 'edgefleet: E_TIMEOUT device dev-a does not serve vad@1 after 1 s: waiting for the device to report its state (is its agent running?)']);

    const tagged = await runCli(env, ['devices', 'set-tags', 'dev-b', 'site=hq', 'floor=2', '--json']);
    expect(json<{ tags: Record<string, string> }>(tagged).tags).toEqual({ site: 'hq', floor: '2' });
    const events = await runCli(env, ['devices', 'events', 'dev-b', '--json']);
    expect(events.code, events.stderr).toBe(0);
    expect(json<{ events: unknown[] }>(events).events).toEqual([]);
    const gone = await runCli(env, ['devices', 'decommission', 'dev-b', '--yes', '--json']);
    expect(gone.code, gone.stderr).toBe(0);
    expect(json<{ id: string; decommissionedAt: string }>(gone)).toMatchObject({ id: 'dev-b', decommissionedAt: expect.any(String) });
    const reenrol = await runCli(env, ['devices', 'enrol', 'dev-b']);
    expect(reenrol.code).toBe(5);
  });

  it('operator views: enrolment tokens, jobs, alerts and the audit trail', async () => {
    const issued = await runCli(env, ['enrolment-tokens', 'create', '--ring', 'web', '--max', '2', '--ttl', '1h', '--label', 'lab tablets']);
    expect(issued.code, issued.stderr).toBe(0);
    expect(issued.stdout).toMatch(new RegExp(`^${h.hub.httpUrl}/web#enrol=[A-Za-z0-9_-]{40,}$`, 'm'));
    const tokens = json<{ tokens: { id: string; state: string; maxEnrolments: number }[] }>(await runCli(env, ['enrolment-tokens', 'list', '--json'])).tokens;
    expect(tokens).toEqual([expect.objectContaining({ state: 'active', maxEnrolments: 2 })]);
    const revoked = await runCli(env, ['enrolment-tokens', 'revoke', (tokens[0]?.id ?? '').slice(0, 8), '--json']);
    expect(json<{ state: string }>(revoked).state).toBe('revoked');

    const job = await runCli(env, ['jobs', 'run', 'drift-evaluation', '--json']);
    expect(job.code, job.stderr).toBe(0);
    expect(json<{ ok: boolean }>(job).ok).toBe(true);
    expect(json<{ jobs: { name: string }[] }>(await runCli(env, ['jobs', 'list', '--json'])).jobs.map((j) => j.name)).toContain('drift-evaluation');
    expect(json(await runCli(env, ['alerts', 'list', '--status', 'open', '--json']))).toEqual({ alerts: [] });
    const audit = json<{ entries: { action: string; subject: string }[] }>(await runCli(env, ['audit', '--limit', '50', '--json']));
    expect(audit.entries).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'device.enrolled', subject: 'device:dev-a' })]));
  });
});
