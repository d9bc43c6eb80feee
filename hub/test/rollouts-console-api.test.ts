/**
 * What the console's rollout pages need of the API (issue 13): the default plan over the rings as
 * they are, a dry run of a create that answers with the create's own errors (field by field) and
 * writes nothing, the rings with a schema, and each gate step's report with its evidence and
 * sample sizes (passed ones from the audit trail, the halting one from the halt). Devices are
 * MQTT clients reporting what an agent would; the browser test with real agents is
 * test/console/rollouts.test.ts.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { stateTopic } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { SILERO_PROBE, api, connectDevice, report, useTestHub } from './support';
import { SILERO_V5, SILERO_V6 } from '../../test/fixtures/silero';

type ErrorReply = { error: { code: string; message: string; details?: { path: string; message: string }[] } };
type Metric = { metric: string; outcome: string; samples?: number | null; minSamples?: number | null; evidence: string };
type StepGate = { report: { verdict: string; metrics: Metric[] }; outcome: string | null; at: string };
type Rollout = { id: string; state: string; step: number; steps: { index: number; kind: string; state: string; gate?: StepGate }[]; halt: { reason: string } | null };

const MODEL = 'vad';
const CANARY = ['rc-c1', 'rc-c2'];
const MAIN = ['rc-m1', 'rc-m2'];

describe('the rollout API the console uses', () => {
  let hub: Hub;
  const clients: Record<string, MqttClient> = {};
  const sha: Record<string, string> = {};
  useTestHub((started) => {
    hub = started.hub;
  });
  afterAll(() => {
    for (const client of Object.values(clients)) client.end(true);
  });

  /** The device reports serving `version` (or failing to load it), as an agent would after acting on its doc. */
  const reportOn = async (device: string, version: string, error?: 'E_PROBE_FAILED'): Promise<void> => {
    const assignment = (await api<{ assignment: { seq: number } | null }>(hub, 'GET', `/api/v1/devices/${device}`)).body.assignment;
    if (!assignment) throw new Error(`${device} has no assignment`);
    const active = { model: MODEL, version: error ? '1' : version, sha256: sha[error ? '1' : version] ?? '' };
    const state = report(device, { seq: assignment.seq, phase: 'serving', active, error: error ? { code: error, message: 'probe output differs' } : null });
    await (clients[device] as MqttClient).publishAsync(stateTopic(device), JSON.stringify(state), { qos: 1 });
  };
  const rollout = async (id: string): Promise<Rollout> => (await api<Rollout>(hub, 'GET', `/api/v1/rollouts/${id}`)).body;
  const tick = async (): Promise<void> => void (await api(hub, 'POST', '/api/v1/jobs/rollout-controller/run'));
  const validate = (json: unknown) => api<ErrorReply & { ok: boolean; plan: { steps: Record<string, unknown>[]; autoRollback: boolean }; active: { id: string }[] }>(hub, 'POST', '/api/v1/rollouts/validate', { json });

  it('has no default plan before there is a ring', async () => {
    const reply = await api<ErrorReply>(hub, 'GET', '/api/v1/rollouts/default-plan');
    expect(reply.status).toBe(409);
    expect(reply.body.error.message).toContain('no rings and no devices yet');
  });

  it('sets up two rings of devices on version 1, and lists the rings', async () => {
    expect((await api(hub, 'PUT', '/api/v1/rings/canary', { json: { position: 0, description: 'lab' } })).status).toBe(200);
    expect((await api(hub, 'PUT', '/api/v1/rings/main', { json: { position: 1 } })).status).toBe(200);
    for (const [version, file] of [['1', SILERO_V5], ['2', SILERO_V6]] as const) {
      const reply = await api<{ sha256: string }>(hub, 'POST', `/api/v1/models/${MODEL}/versions?version=${version}&probe=${SILERO_PROBE}`, { bytes: new Uint8Array(await readFile(file)) });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      sha[version] = reply.body.sha256;
    }
    for (const id of [...CANARY, ...MAIN]) {
      const enrolled = await api<{ secret: string }>(hub, 'POST', '/api/v1/devices', { json: { id, ring: CANARY.includes(id) ? 'canary' : 'main' } });
      expect(enrolled.status).toBe(201);
      clients[id] = await connectDevice(hub, id, enrolled.body.secret);
      expect((await api(hub, 'PUT', `/api/v1/devices/${id}/assignment`, { json: { model: MODEL, version: '1' } })).status).toBe(200);
      await reportOn(id, '1');
    }
    const rings = await api(hub, 'GET', '/api/v1/rings');
    expect(rings.body).toEqual({
      rings: [
        { name: 'canary', position: 0, description: 'lab', devices: 2, defined: true },
        { name: 'main', position: 1, description: '', devices: 2, defined: true },
      ],
    });
  });

  it('gives the default plan over the rings as they are: the first ring is the canary', async () => {
    const reply = await api<{ canary: string; rings: string[]; plan: { steps: { kind: string; ring?: string; percent?: number }[]; autoRollback: boolean } }>(hub, 'GET', '/api/v1/rollouts/default-plan');
    expect(reply.status).toBe(200);
    expect(reply.body.canary).toBe('canary');
    expect(reply.body.rings).toEqual(['canary', 'main']);
    expect(reply.body.plan.autoRollback).toBe(true);
    expect(reply.body.plan.steps.map((s) => (s.kind === 'ring' ? `${s.ring}:${s.percent}` : s.kind))).toEqual(['canary:100', 'bake', 'gate', '*:10', 'bake', 'gate', '*:50', 'bake', 'gate', '*:100']);
    // It is what a create without a plan would store.
    const check = await validate({ model: MODEL, version: '2' });
    expect(check.status).toBe(200);
    expect(check.body.plan).toEqual(reply.body.plan);
  });

  it('validates a rollout without creating it, with the same errors a create gives', async () => {
    const good = await validate({ model: MODEL, version: '2', plan: { steps: [{ kind: 'ring', ring: 'canary' }, { kind: 'bake', minutes: 5 }] } });
    expect(good.status).toBe(200);
    // Defaults filled in, as a create would store them.
    expect(good.body).toEqual({
      ok: true,
      plan: { steps: [{ kind: 'ring', ring: 'canary', percent: 100, successThreshold: 0.9, maxFailures: 0.1, deadlineMinutes: 60, shadow: false }, { kind: 'bake', minutes: 5, minReporting: 1 }], autoRollback: true },
      active: [],
      warnings: [],
    });

    const bad = [
      // the schema's problems
      { model: MODEL, version: '2', plan: { steps: [{ kind: 'ring', ring: 'canary', percent: 150 }, { kind: 'bake', minutes: -1 }] } },
      // what the schema cannot see
      { model: MODEL, version: '2', plan: { steps: [{ kind: 'bake', minutes: 5 }, { kind: 'ring', ring: 'nowhere' }, { kind: 'gate', metrics: [{ metric: 'error-rate', min: 0.1 }] }] } },
      // no such version, no model at all
      { model: MODEL, version: '9' },
      { version: '2' },
    ];
    for (const body of bad) {
      const dry = await validate(body);
      const real = await api<ErrorReply>(hub, 'POST', '/api/v1/rollouts', { json: body });
      expect(dry.status, JSON.stringify(dry.body)).toBe(real.status);
      expect(dry.body).toEqual(real.body);
      expect(dry.status).toBeGreaterThanOrEqual(400);
    }
    const shape = await validate(bad[0]);
    expect(shape.body.error.details).toEqual([
      { path: 'plan.steps.0.percent', message: expect.any(String) },
      { path: 'plan.steps.1.minutes', message: expect.any(String) },
    ]);
    const sense = await validate(bad[1]);
    expect(sense.body.error.details?.map((d) => d.path)).toEqual(['plan.steps.0', 'plan.steps.1.ring', 'plan.steps.2.metrics.0']);
    expect(sense.body.error.details?.[1]?.message).toBe('no ring "nowhere" (rings: canary, main): create it with PUT /api/v1/rings/nowhere {"position": <n>}, or enrol a device in it ("ring": "nowhere")');

    // Nothing was created or audited.
    expect((await api<{ rollouts: unknown[] }>(hub, 'GET', '/api/v1/rollouts')).body.rollouts).toEqual([]);
    const audit = await api<{ entries: { action: string }[] }>(hub, 'GET', '/api/v1/audit?limit=1000');
    expect(audit.body.entries.map((e) => e.action)).not.toContain('rollout.created');
  });

  let passedId = '';
  it("shows each gate step's report: the passed one from the trail with its evidence and sample sizes", async () => {
    const plan = { steps: [{ kind: 'ring', ring: 'canary' }, { kind: 'gate', metrics: [{ metric: 'install-success', min: 1 }, { metric: 'error-rate', max: 0.5 }], maxInconclusive: 1 }, { kind: 'approve' }] };
    const created = await api<Rollout>(hub, 'POST', '/api/v1/rollouts', { json: { model: MODEL, version: '2', plan } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    passedId = created.body.id;
    // No report before the gate was evaluated.
    expect(created.body.steps[1]?.gate).toBeUndefined();
    // The dry run now names the active rollout a create would be refused for.
    expect((await validate({ model: MODEL, version: '2' })).body.active.map((r) => r.id)).toEqual([passedId]);

    for (const id of CANARY) await reportOn(id, '2');
    await expect.poll(async () => (await rollout(passedId)).step).toBeGreaterThanOrEqual(1);
    await expect
      .poll(async () => {
        await tick();
        return (await rollout(passedId)).step;
      })
      .toBe(2);
    const view = await rollout(passedId);
    expect(view.steps.map((s) => s.state)).toEqual(['done', 'done', 'current']);
    const gate = view.steps[1]?.gate;
    expect(gate).toMatchObject({ outcome: 'passed', report: { verdict: 'pass' } });
    expect(gate?.report.metrics).toEqual([
      expect.objectContaining({ metric: 'install-success', outcome: 'pass', samples: 2, minSamples: 1, evidence: '2 of 2 installs serve (1 >= min 1)' }),
      expect.objectContaining({ metric: 'error-rate', outcome: 'inconclusive', samples: null, minSamples: 100, evidence: '0 samples on the new version, 100 needed' }),
    ]);
    // Ring and approve steps carry no gate.
    expect(view.steps[0]?.gate).toBeUndefined();
    expect(view.steps[2]?.gate).toBeUndefined();
    // The list does not read the trail.
    const listed = (await api<{ rollouts: Rollout[] }>(hub, 'GET', '/api/v1/rollouts')).body.rollouts.find((r) => r.id === passedId);
    expect(listed?.steps[1]?.gate).toBeUndefined();
  });

  it('shows the report a gate halted on', async () => {
    for (const id of CANARY) {
      expect((await api(hub, 'PUT', `/api/v1/devices/${id}/assignment`, { json: { model: MODEL, version: '1' } })).status).toBe(200);
      await reportOn(id, '1');
    }
    const plan = { steps: [{ kind: 'ring', ring: 'canary', successThreshold: 0.5, maxFailures: 1 }, { kind: 'gate', metrics: [{ metric: 'install-success', min: 1 }] }, { kind: 'ring', ring: '*' }] };
    const created = await api<Rollout>(hub, 'POST', '/api/v1/rollouts', { json: { model: MODEL, version: '2', plan, supersede: true } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;
    await reportOn('rc-c1', '2', 'E_PROBE_FAILED');
    await reportOn('rc-c2', '2');
    await expect.poll(async () => (await rollout(id)).step).toBe(1);
    await expect
      .poll(async () => {
        await tick();
        return (await rollout(id)).state;
      })
      .toBe('rolled-back');
    const view = await rollout(id);
    expect(view.steps[1]?.gate).toMatchObject({ outcome: 'halted', report: { verdict: 'fail', metrics: [{ metric: 'install-success', outcome: 'fail', samples: 2, evidence: '1 of 2 installs serve (0.5 < min 1)' }] } });
    expect(view.halt?.reason).toContain('gate failed: install-success');
  });
});
