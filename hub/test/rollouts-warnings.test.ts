/**
 * Rollouts that say what is wrong with their plan (issue 15 item 6), on a real hub: a ring that
 * does not exist is refused naming the step and how to create the ring; a ring step that takes no
 * device today is accepted with a warning naming the step (in the create's 201, its validation
 * and the rollout's GET while it lasts); and when the controller passes such a step it records
 * `rollout.step.empty` in the audit trail and shows it on the step, not a silent `devices: {}`.
 * Devices are MQTT clients reporting what an agent would.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { stateTopic } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { stableBucket } from '../src/core/rollouts/plan';
import { until } from '../../test/support/process';
import { SILERO_PROBE, api, connectDevice, report, useTestHub } from './support';
import { SILERO_V5, SILERO_V6 } from '../../test/fixtures/silero';

type Warning = { step: number; path: string; message: string };
type ErrorReply = { error: { code: string; message: string; details?: { path: string; message: string }[] } };
type Rollout = { id: string; state: string; step: number; steps: { index: number; kind: string; state: string; devices?: Record<string, number>; warning?: string }[]; warnings: Warning[] };
type Check = { ok: boolean; warnings: Warning[] };

const MODEL = 'vad';
const DEVICES = { 'rw-c1': 'canary', 'rw-m1': 'main', 'rw-m2': 'main' } as const;

describe('rollout plans that take no device', () => {
  let hub: Hub;
  const clients: Record<string, MqttClient> = {};
  const sha: Record<string, string> = {};
  useTestHub((started) => {
    hub = started.hub;
  });
  afterAll(() => {
    for (const client of Object.values(clients)) client.end(true);
  });

  const serve = async (device: string, version: string): Promise<void> => {
    const assignment = (await api<{ assignment: { seq: number } | null }>(hub, 'GET', `/api/v1/devices/${device}`)).body.assignment;
    if (!assignment) throw new Error(`${device} has no assignment`);
    const state = report(device, { seq: assignment.seq, phase: 'serving', active: { model: MODEL, version, sha256: sha[version] ?? '' }, error: null });
    await (clients[device] as MqttClient).publishAsync(stateTopic(device), JSON.stringify(state), { qos: 1 });
  };
  const rollout = async (id: string): Promise<Rollout> => (await api<Rollout>(hub, 'GET', `/api/v1/rollouts/${id}`)).body;
  const validate = (plan: unknown) => api<Check & ErrorReply>(hub, 'POST', '/api/v1/rollouts/validate', { json: { model: MODEL, version: '2', plan } });

  it('sets up ring canary and main with devices on version 1, and an empty ring lab', async () => {
    for (const [name, position] of [['canary', 0], ['lab', 1], ['main', 2]] as const) expect((await api(hub, 'PUT', `/api/v1/rings/${name}`, { json: { position } })).status).toBe(200);
    for (const [version, file] of [['1', SILERO_V5], ['2', SILERO_V6]] as const) {
      const reply = await api<{ sha256: string }>(hub, 'POST', `/api/v1/models/${MODEL}/versions?version=${version}&probe=${SILERO_PROBE}`, { bytes: new Uint8Array(await readFile(file)) });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      sha[version] = reply.body.sha256;
    }
    for (const [id, ring] of Object.entries(DEVICES)) {
      const enrolled = await api<{ secret: string }>(hub, 'POST', '/api/v1/devices', { json: { id, ring } });
      expect(enrolled.status).toBe(201);
      clients[id] = await connectDevice(hub, id, enrolled.body.secret);
      expect((await api(hub, 'PUT', `/api/v1/devices/${id}/assignment`, { json: { model: MODEL, version: '1' } })).status).toBe(200);
      await serve(id, '1');
    }
  });

  it('refuses a ring that does not exist, naming the step and how to create the ring', async () => {
    const reply = await api<ErrorReply>(hub, 'POST', '/api/v1/rollouts', { json: { model: MODEL, version: '2', plan: { steps: [{ kind: 'ring', ring: 'canary' }, { kind: 'ring', ring: 'nowhere' }] } } });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('E_VALIDATION');
    expect(reply.body.error.details).toEqual([{ path: 'plan.steps.1.ring', message: expect.stringContaining('no ring "nowhere" (rings: canary, lab, main): create it with PUT /api/v1/rings/nowhere') }]);
  });

  it('warns of steps that take no device today, for as long as that lasts', async () => {
    // 0.01% keeps only stable bucket 0: neither main device is in it.
    expect(['rw-m1', 'rw-m2'].map(stableBucket)).not.toContain(0);
    const plan = { steps: [{ kind: 'ring', ring: 'canary' }, { kind: 'ring', ring: 'lab' }, { kind: 'ring', ring: 'main', tags: { site: 'x' } }, { kind: 'ring', ring: 'main', percent: 0.01 }] };
    const check = await validate(plan);
    expect(check.status, JSON.stringify(check.body)).toBe(200);
    expect(check.body.warnings).toEqual([
      { step: 1, path: 'plan.steps.1', message: expect.stringContaining('ring step 2 (ring "lab", 100%) takes no device: ring "lab" has no devices yet') },
      { step: 2, path: 'plan.steps.2', message: 'ring step 3 (ring "main", 100%) takes no device: none of the 2 devices of ring "main" has the tags site=x' },
      { step: 3, path: 'plan.steps.3', message: expect.stringContaining('0.01% of the 2 devices of ring "main" selects none of them') },
    ]);
    // A device tagged site=x joins main: that step's warning is gone.
    expect((await api(hub, 'PATCH', '/api/v1/devices/rw-m1', { json: { tags: { site: 'x' } } })).status).toBe(200);
    expect((await validate(plan)).body.warnings.map((w) => w.step)).toEqual([1, 3]);
    expect((await api(hub, 'PATCH', '/api/v1/devices/rw-m1', { json: { tags: {} } })).status).toBe(200);
  });

  let id = '';
  it('creates the rollout all the same, with the warnings in its 201, its GET and its audit entry', async () => {
    const plan = { steps: [{ kind: 'ring', ring: 'canary' }, { kind: 'ring', ring: 'lab' }, { kind: 'ring', ring: 'main' }] };
    const created = await api<Rollout>(hub, 'POST', '/api/v1/rollouts', { json: { model: MODEL, version: '2', plan } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    id = created.body.id;
    const expected = { step: 1, path: 'plan.steps.1', message: expect.stringContaining('ring "lab" has no devices yet') };
    expect(created.body.warnings).toEqual([expected]);
    expect(created.body.steps[1]?.warning).toContain('ring "lab" has no devices yet');
    expect((await rollout(id)).warnings).toEqual([expected]);
    const listed = (await api<{ rollouts: Rollout[] }>(hub, 'GET', '/api/v1/rollouts')).body.rollouts.find((r) => r.id === id);
    expect(listed?.warnings).toEqual([expected]);
    const audit = await api<{ entries: { action: string; details: { warnings?: string[] } }[] }>(hub, 'GET', `/api/v1/audit?subject=${encodeURIComponent(`rollout:${id}`)}`);
    expect(audit.body.entries.find((e) => e.action === 'rollout.created')?.details.warnings).toEqual([expect.stringContaining('ring "lab" has no devices yet')]);
  });

  it('records the empty step when the controller passes it, and shows it on the step', async () => {
    await serve('rw-c1', '2');
    // The canary serves 2: the controller passes step 1 (lab, nobody) and takes ring main.
    const passed = await until(
      async () => {
        await api(hub, 'POST', '/api/v1/jobs/rollout-controller/run');
        const current = await rollout(id);
        return current.step >= 2 ? current : undefined;
      },
      'the rollout past its empty step',
      20_000,
    );
    expect(passed.steps[1]).toMatchObject({ kind: 'ring', state: 'done', devices: {}, warning: expect.stringContaining('ring "lab" has no devices yet') });
    expect(passed.warnings).toEqual([{ step: 1, path: 'plan.steps.1', message: expect.stringContaining('ring step 2 (ring "lab", 100%) takes no device') }]);
    expect(passed.steps[2]?.devices).toEqual({ pending: 2 });
    const audit = await api<{ entries: { action: string; details: { step?: number; ring?: string; reason?: string } }[] }>(hub, 'GET', `/api/v1/audit?subject=${encodeURIComponent(`rollout:${id}`)}`);
    const empty = audit.body.entries.filter((e) => e.action === 'rollout.step.empty');
    expect(empty).toEqual([expect.objectContaining({ details: expect.objectContaining({ step: 1, ring: 'lab', reason: expect.stringContaining('ring "lab" has no devices yet') }) })]);
  });
});
