/**
 * Rollouts through the API on a real hub: devices are MQTT clients that report the state an
 * agent would, so the controller's wiring (membership, docs with the rollout named, statuses
 * from reports, approval, completion, rollback, supersession, errors) is checked without model
 * downloads. The end-to-end tests with real agents are test/e2e/rollouts-*.test.ts.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { deploymentDocSchema, envelopeSchema, fromBase64, parseJsonBytes, stateTopic } from '@edgefleet/protocol';
import type { Hub } from '../src/index';
import { SILERO_PROBE, api, connectDevice, report, useTestHub } from './support';
import { SILERO_V5, SILERO_V6 } from '../../test/fixtures/silero';

type Rollout = { id: string; state: string; step: number; devices: Record<string, number>; steps: { index: number; kind: string; state: string; devices?: Record<string, number> }[]; members: { device: string; status: string; previous: string | null }[]; halt: { reason: string } | null };
type ErrorReply = { error: { code: string; message: string; details?: { path: string; message: string }[] } };
type DeviceReply = { assignment: { model: string; version: string; seq: number } | null };

const MODEL = 'vad';
const CANARY = ['ro-c1', 'ro-c2'];
const MAIN = ['ro-m1', 'ro-m2', 'ro-m3'];
const ALL = [...CANARY, ...MAIN];

describe('rollouts API', () => {
  let hub: Hub;
  const clients: Record<string, MqttClient> = {};
  const sha: Record<string, string> = {};
  useTestHub((started) => {
    hub = started.hub;
  });
  afterAll(() => {
    for (const client of Object.values(clients)) client.end(true);
  });

  const assignmentOf = async (device: string): Promise<DeviceReply['assignment']> => (await api<DeviceReply>(hub, 'GET', `/api/v1/devices/${device}`)).body.assignment;
  /** The device reports serving `version` (or failing on it), as an agent would after acting on its doc. */
  const reportOn = async (device: string, version: string, error?: 'E_PROBE_FAILED'): Promise<void> => {
    const assignment = await assignmentOf(device);
    if (!assignment) throw new Error(`${device} has no assignment`);
    const active = { model: MODEL, version: error ? '1' : version, sha256: sha[error ? '1' : version] ?? '' };
    const state = report(device, { seq: assignment.seq, phase: 'serving', active, error: error ? { code: error, message: 'probe output differs' } : null });
    await (clients[device] as MqttClient).publishAsync(stateTopic(device), JSON.stringify(state), { qos: 1 });
  };
  const rollout = async (id: string): Promise<Rollout> => (await api<Rollout>(hub, 'GET', `/api/v1/rollouts/${id}`)).body;
  const docOf = async (device: string): Promise<{ rollout: { id: string; step: number } | null; allowDowngrade: boolean }> => {
    const client = clients[device] as MqttClient;
    const assignment = await assignmentOf(device);
    // The retained doc is the newest one: wait until it carries the assignment's seq.
    for (;;) {
      const payload = await new Promise<Buffer>((resolve) => {
        const onMessage = (_topic: string, message: Buffer): void => {
          client.off('message', onMessage);
          resolve(message);
        };
        client.on('message', onMessage);
        void client.unsubscribeAsync(`ef/v1/d/${device}/desired`).then(() => client.subscribeAsync(`ef/v1/d/${device}/desired`, { qos: 1 }));
      });
      const envelope = envelopeSchema.parse(JSON.parse(payload.toString('utf8')));
      const doc = deploymentDocSchema.parse(parseJsonBytes(fromBase64(envelope.payload) ?? new Uint8Array(), 'doc'));
      if (doc.seq === assignment?.seq) return doc;
    }
  };

  it('sets up rings, devices on version 1 and version 2', async () => {
    expect((await api(hub, 'PUT', '/api/v1/rings/canary', { json: { position: 0, description: 'lab devices' } })).status).toBe(200);
    expect((await api(hub, 'PUT', '/api/v1/rings/main', { json: { position: 1 } })).status).toBe(200);
    for (const [version, file] of [['1', SILERO_V5], ['2', SILERO_V6]] as const) {
      const reply = await api<{ sha256: string }>(hub, 'POST', `/api/v1/models/${MODEL}/versions?version=${version}&probe=${SILERO_PROBE}`, { bytes: new Uint8Array(await readFile(file)) });
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      sha[version] = reply.body.sha256;
    }
    for (const id of ALL) {
      const enrolled = await api<{ secret: string }>(hub, 'POST', '/api/v1/devices', { json: { id, ring: CANARY.includes(id) ? 'canary' : 'main' } });
      expect(enrolled.status).toBe(201);
      clients[id] = await connectDevice(hub, id, enrolled.body.secret);
      expect((await api(hub, 'PUT', `/api/v1/devices/${id}/assignment`, { json: { model: MODEL, version: '1' } })).status).toBe(200);
      await reportOn(id, '1');
    }
    const rings = await api<{ rings: { name: string; position: number; devices: number }[] }>(hub, 'GET', '/api/v1/rings');
    expect(rings.body.rings.map((r) => [r.name, r.position, r.devices])).toEqual([
      ['canary', 0, 2],
      ['main', 1, 3],
    ]);
  });

  it('explains a bad plan and refuses unknown versions', async () => {
    const bad = await api<ErrorReply>(hub, 'POST', '/api/v1/rollouts', { json: { model: MODEL, version: '2', plan: { steps: [{ kind: 'bake', minutes: 5 }, { kind: 'ring', ring: 'nowhere' }] } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details?.map((d) => d.path)).toEqual(['plan.steps.0', 'plan.steps.1.ring']);
    expect(bad.body.error.message).toContain('no ring "nowhere" (rings: canary, main)');
    const shape = await api<ErrorReply>(hub, 'POST', '/api/v1/rollouts', { json: { model: MODEL, version: '2', plan: { steps: [{ kind: 'ring', ring: 'canary', percent: 150 }] } } });
    expect(shape.status).toBe(400);
    expect(shape.body.error.details?.[0]?.path).toBe('plan.steps.0.percent');
    expect((await api(hub, 'POST', '/api/v1/rollouts', { json: { model: MODEL, version: '9' } })).status).toBe(404);
    expect((await api(hub, 'POST', '/api/v1/rollouts', { json: { model: MODEL } })).status).toBe(400);
  });

  let first = '';
  it('assigns the canary ring with the rollout named in the doc, waits for approval, then completes', async () => {
    const created = await api<Rollout>(hub, 'POST', '/api/v1/rollouts', { json: { model: MODEL, version: '2', plan: { steps: [{ kind: 'ring', ring: 'canary' }, { kind: 'approve' }, { kind: 'ring', ring: '*' }] } } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    first = created.body.id;
    expect(created.body).toMatchObject({ state: 'running', step: 0 });
    expect(created.body.members.map((m) => [m.device, m.previous])).toEqual(CANARY.map((d) => [d, `${MODEL}@1`]));
    for (const id of CANARY) expect((await assignmentOf(id))?.version).toBe('2');
    for (const id of MAIN) expect((await assignmentOf(id))?.version).toBe('1');
    expect((await docOf('ro-c1')).rollout).toEqual({ id: first, step: 0 });
    // Another rollout of the model while this one runs must say so.
    const clash = await api<ErrorReply>(hub, 'POST', '/api/v1/rollouts', { json: { model: MODEL, version: '1' } });
    expect(clash.status).toBe(409);
    expect(clash.body.error.message).toContain('"supersede": true');

    for (const id of CANARY) await reportOn(id, '2');
    await expect.poll(async () => (await rollout(first)).step).toBe(1);
    expect((await rollout(first)).steps[0]).toMatchObject({ state: 'done', devices: { serving: 2 } });
    // The approve step waits for a person; advance is the approval.
    const approved = await api<Rollout>(hub, 'POST', `/api/v1/rollouts/${first}/advance`, { json: { reason: 'canary looks fine' } });
    expect(approved.status).toBe(200);
    expect(approved.body.step).toBe(2);
    for (const id of MAIN) expect((await assignmentOf(id))?.version).toBe('2');
    for (const id of MAIN) await reportOn(id, '2');
    await expect.poll(async () => (await rollout(first)).state).toBe('completed');
    expect((await rollout(first)).devices).toEqual({ serving: 5 });
  });

  it('refuses illegal transitions with what the state allows', async () => {
    const reply = await api<ErrorReply>(hub, 'POST', `/api/v1/rollouts/${first}/pause`);
    expect(reply.status).toBe(409);
    expect(reply.body.error.message).toBe('cannot pause a completed rollout (pause applies to: running)');
    expect((await api(hub, 'POST', `/api/v1/rollouts/${first}/explode`)).status).toBe(400);
    expect((await api(hub, 'POST', `/api/v1/rollouts/${first}/pause`, { json: { revert: true } })).status).toBe(400);
    expect((await api(hub, 'POST', '/api/v1/rollouts/00000000-0000-4000-8000-000000000000/pause')).status).toBe(404);
  });

  it('rolls back fast: every touched device is told to serve version 1 again, with allowDowngrade', async () => {
    const reply = await api<Rollout>(hub, 'POST', `/api/v1/rollouts/${first}/rollback`, { json: { reason: 'field reports' } });
    expect(reply.status).toBe(200);
    expect(reply.body.state).toBe('rolled-back');
    for (const id of ALL) expect((await assignmentOf(id))?.version).toBe('1');
    expect((await docOf('ro-m1')).allowDowngrade).toBe(true);
    for (const id of ALL) await reportOn(id, '1');
    await expect.poll(async () => (await rollout(first)).devices).toEqual({ reverted: 5 });
    const audit = await api<{ entries: { action: string; actor: string }[] }>(hub, 'GET', `/api/v1/audit?subject=rollout:${first}`);
    expect(audit.body.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['rollout.created', 'rollout.step.completed', 'rollout.advance.requested', 'rollout.completed', 'rollout.rolled-back']));
  });

  it('halts at the canary and rolls back automatically when a probe fails there', async () => {
    const created = await api<Rollout>(hub, 'POST', '/api/v1/rollouts', { json: { model: MODEL, version: '2', plan: { steps: [{ kind: 'ring', ring: 'canary', maxFailures: 0 }, { kind: 'ring', ring: '*' }] } } });
    expect(created.status).toBe(201);
    await reportOn('ro-c1', '2', 'E_PROBE_FAILED');
    await expect.poll(async () => (await rollout(created.body.id)).state).toBe('rolled-back');
    expect((await rollout(created.body.id)).halt?.reason).toContain('1 failed and 0 timed-out of 2 devices exceed the error threshold of 0%');
    for (const id of MAIN) expect((await assignmentOf(id))?.version).toBe('1');
    for (const id of CANARY) expect((await assignmentOf(id))?.version).toBe('1');
  });

  it('a shadow ring step keeps the devices on their version and runs the new one beside it', async () => {
    const created = await api<Rollout>(hub, 'POST', '/api/v1/rollouts', { json: { model: MODEL, version: '2', plan: { steps: [{ kind: 'ring', ring: 'canary', shadow: true }, { kind: 'approve' }, { kind: 'ring', ring: 'canary' }] } } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    for (const id of CANARY) {
      const device = await api<{ assignment: { version: string; shadow: { model: string; version: string } | null } }>(hub, 'GET', `/api/v1/devices/${id}`);
      expect(device.body.assignment).toMatchObject({ version: '1', shadow: { model: MODEL, version: '2' } });
    }
    for (const id of MAIN) expect((await assignmentOf(id))?.version).toBe('1');
    expect((await api(hub, 'POST', `/api/v1/rollouts/${created.body.id}/abort`, { json: { revert: true } })).status).toBe(200);
    for (const id of CANARY) {
      const device = await api<{ assignment: { version: string; shadow: unknown } }>(hub, 'GET', `/api/v1/devices/${id}`);
      expect(device.body.assignment).toMatchObject({ version: '1', shadow: null });
    }
  });

  it('supersedes an active rollout only when asked, and audits it', async () => {
    const a = await api<Rollout>(hub, 'POST', '/api/v1/rollouts', { json: { model: MODEL, version: '2', plan: { steps: [{ kind: 'ring', ring: 'canary' }, { kind: 'approve' }] } } });
    expect(a.status).toBe(201);
    const b = await api<Rollout & { supersedes: string }>(hub, 'POST', '/api/v1/rollouts', { json: { model: MODEL, version: '2', supersede: true, plan: { steps: [{ kind: 'ring', ring: 'canary' }] } } });
    expect(b.status).toBe(201);
    expect(b.body.supersedes).toBe(a.body.id);
    expect((await rollout(a.body.id)).state).toBe('superseded');
    const acting = await api<ErrorReply>(hub, 'POST', `/api/v1/rollouts/${a.body.id}/resume`);
    expect(acting.status).toBe(409);
    expect(acting.body.error.message).toContain(`superseded by ${b.body.id}`);
    const audit = await api<{ entries: { action: string }[] }>(hub, 'GET', `/api/v1/audit?subject=rollout:${a.body.id}`);
    expect(audit.body.entries.map((e) => e.action)).toContain('rollout.superseded');
  });

  it('keeps the gate report a rollout halted on while its devices revert (not one re-evaluated over reverting members)', async () => {
    type Gate = { verdict: string; metrics: { metric: string; outcome: string }[] };
    // The ring step tolerates the failure; the gate's install-success does not.
    const plan = { steps: [{ kind: 'ring', ring: 'canary', successThreshold: 0.5, maxFailures: 1 }, { kind: 'gate', metrics: [{ metric: 'install-success', min: 1 }] }, { kind: 'ring', ring: '*' }] };
    // The canary back on version 1 by hand first (the rollout above left it assigned 2).
    for (const device of CANARY) {
      expect((await api(hub, 'PUT', `/api/v1/devices/${device}/assignment`, { json: { model: MODEL, version: '1' } })).status).toBe(200);
      await reportOn(device, '1');
    }
    const created = await api<Rollout>(hub, 'POST', '/api/v1/rollouts', { json: { model: MODEL, version: '2', supersede: true, plan } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;
    await reportOn('ro-c1', '2', 'E_PROBE_FAILED');
    await reportOn('ro-c2', '2');
    await expect.poll(async () => (await rollout(id)).step).toBe(1);
    await api(hub, 'POST', '/api/v1/jobs/rollout-controller/run');
    const halted = await rollout(id);
    expect(halted.state).toBe('rolled-back');
    // Both devices go back to version 1; the controller reconciles the rollout meanwhile.
    for (const device of CANARY) await reportOn(device, '1');
    await expect.poll(async () => (await rollout(id)).devices).toEqual({ reverted: 2 });
    const view = (await api<Rollout & { gate: Gate; halt: { evidence: Gate } }>(hub, 'GET', `/api/v1/rollouts/${id}`)).body;
    expect(view.gate).toMatchObject({ verdict: 'fail', metrics: [{ metric: 'install-success', outcome: 'fail' }] });
    expect(view.gate).toEqual(view.halt.evidence);
  });
});
