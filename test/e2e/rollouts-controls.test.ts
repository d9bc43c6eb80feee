/**
 * Issue 6, end to end: the operator's controls on rollouts to 32 real agents in three rings
 * (canary 6, early 10, broad 16). Pause holds a rollout past its bake; resume lets it go on;
 * advance approves an approval step and skips a bake; abort stops it keeping the devices where
 * they are, or reverting them; rollback reverts every touched device (also after an abort);
 * a rollout of a model with one still active is refused unless it supersedes it explicitly,
 * which is audited. Illegal transitions and bad plans get 4xx answers that say why. Every
 * revert is checked on the devices themselves: back on version 1, without a download.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stableBucket } from '../../hub/src/core/rollouts/plan';
import { MODEL, RolloutFleet, type FleetDevice } from '../support/rollout-fleet';
import { type RolloutView } from '../support/rollout-views';
import { waitUntil } from '../support/test-clock';
import { machineCsv } from '../fixtures/machine-data';

interface ErrorReply {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

describe('pause, resume, advance, abort, rollback and supersede, with real agents', { timeout: 60_000 }, () => {
  let fleet: RolloutFleet;
  let canary: FleetDevice[];
  let early: FleetDevice[];
  let halfBroad: FleetDevice[];

  beforeAll(async () => {
    fleet = await RolloutFleet.start(
      'rc',
      [
        { name: 'canary', size: 6 },
        { name: 'early', size: 10 },
        { name: 'broad', size: 16 },
      ],
      { train: { '2': machineCsv(3000, 2) } },
    );
    canary = fleet.ring('canary');
    early = fleet.ring('early');
    halfBroad = fleet.ring('broad').filter((d) => stableBucket(d.id) < 5000);
  }, 60_000);

  afterAll(async () => {
    await fleet?.close();
  });

  const create = async (plan: unknown, supersede = false): Promise<RolloutView> => {
    const created = await fleet.api<RolloutView>('POST', '/api/v1/rollouts', { model: MODEL, version: '2', plan, ...(supersede ? { supersede } : {}) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body;
  };
  const act = async (id: string, action: string, body: Record<string, unknown> = {}): Promise<RolloutView> => {
    const reply = await fleet.api<RolloutView>('POST', `/api/v1/rollouts/${id}/${action}`, body);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body;
  };
  const refused = async (id: string, action: string, body: Record<string, unknown> = {}): Promise<ErrorReply['error']> => {
    const reply = await fleet.api<ErrorReply>('POST', `/api/v1/rollouts/${id}/${action}`, body);
    expect(reply.status, JSON.stringify(reply.body)).toBe(409);
    return reply.body.error;
  };
  const untilStep = (id: string, step: number): Promise<RolloutView> => waitUntil(() => fleet.rollout(id), (r) => r.step === step, `rollout at step ${step}`);
  const seqs = async (): Promise<Record<string, number>> => {
    const { devices } = (await fleet.api<{ devices: { id: string; assignment: { seq: number } | null }[] }>('GET', '/api/v1/devices')).body;
    return Object.fromEntries(devices.map((d) => [d.id, d.assignment?.seq ?? -1]));
  };
  const versions = (): Record<string, string | undefined> => Object.fromEntries(fleet.devices.map((d) => [d.id, fleet.agentOf(d).status().active?.version]));
  const expectVersions = (onTwo: readonly FleetDevice[]): void => {
    expect(versions()).toEqual(Object.fromEntries(fleet.devices.map((d) => [d.id, onTwo.includes(d) ? '2' : '1'])));
  };
  interface Snapshot {
    seqs: Record<string, number>;
    requests: number;
    reports: Map<string, number>;
  }
  /** Taken just before an action: deployment seqs, artifact requests and reports so far. */
  const snapshot = async (): Promise<Snapshot> => ({ seqs: await seqs(), requests: fleet.artifacts.requests.length, reports: new Map(fleet.devices.map((d) => [d.id, d.reports.length])) });
  /** Since `before`: `touched` went back to version 1 without a download (nor a downloading phase); the others were sent nothing. */
  const expectReverted = async (touched: readonly FleetDevice[], before: Snapshot): Promise<void> => {
    await fleet.serving(fleet.devices, '1', 10_000);
    expect(fleet.artifacts.requests.slice(before.requests)).toEqual([]);
    for (const device of touched) expect(device.reports.slice(before.reports.get(device.id)).map((r) => r.phase), device.id).not.toContain('downloading');
    const after = await seqs();
    for (const device of fleet.devices) {
      if (touched.includes(device)) expect(after[device.id], device.id).toBeGreaterThan(before.seqs[device.id] as number);
      else expect(after[device.id], device.id).toBe(before.seqs[device.id]);
    }
  };

  it('pause holds a rollout past its bake, resume lets it go on, advance approves; abort keeps the devices, a later rollback reverts them', async () => {
    const requests0 = fleet.artifacts.requests.length;
    const plan = {
      steps: [
        { kind: 'ring', ring: 'canary' },
        { kind: 'bake', minutes: 30, minReporting: 0 },
        { kind: 'ring', ring: 'early' },
        { kind: 'approve', note: 'look at the early ring first' },
        { kind: 'ring', ring: '*', percent: 50 },
        { kind: 'approve' },
        { kind: 'ring', ring: '*' },
      ],
    };
    const { id } = await create(plan);
    await fleet.serving(canary, '2');
    await untilStep(id, 1);

    expect((await act(id, 'pause', { reason: 'holiday freeze' })).state).toBe('paused');
    expect((await refused(id, 'pause')).message).toBe('cannot pause a paused rollout (pause applies to: running)');
    expect((await refused(id, 'advance')).message).toBe('cannot advance a paused rollout (advance applies to: running)');
    // The bake is long over, but a paused rollout does not move.
    fleet.clock.advance(31);
    expect(await fleet.settle(id)).toMatchObject({ state: 'paused', step: 1 });
    expectVersions(canary);

    // Resumed, it catches up at once: the bake is done, the early ring is assigned.
    expect((await act(id, 'resume')).state).toBe('running');
    await fleet.serving(early, '2');
    await untilStep(id, 3);
    // An approval step waits for a person, whatever the time.
    fleet.clock.advance(24 * 60);
    expect((await fleet.settle(id)).step).toBe(3);
    expectVersions([...canary, ...early]);
    await act(id, 'advance', { reason: 'early ring looks fine' });
    await fleet.serving(halfBroad, '2');
    await untilStep(id, 5);

    // Abort keeping the devices: nothing is sent to anyone.
    const seqsAtAbort = await seqs();
    const aborted = await act(id, 'abort', { reason: 'enough for now' });
    expect(aborted).toMatchObject({ state: 'aborted', reverted: false, step: 5 });
    expect(await fleet.settle(id)).toMatchObject({ state: 'aborted', step: 5 });
    expect(await seqs()).toEqual(seqsAtAbort);
    expectVersions([...canary, ...early, ...halfBroad]);
    expect((await refused(id, 'resume')).message).toBe('cannot resume an aborted rollout (resume applies to: paused, halted)');

    // A rollback after the abort still reverts every device the rollout touched.
    const beforeRollback = await snapshot();
    expect(await act(id, 'rollback', { reason: 'changed our minds' })).toMatchObject({ state: 'rolled-back', reverted: true });
    await expectReverted([...canary, ...early, ...halfBroad], beforeRollback);
    expect((await refused(id, 'rollback')).message).toBe('cannot rollback a rollout whose devices were already reverted (rollback applies to: running, paused, halted, completed, or aborted without revert)');
    await waitUntil(() => fleet.rollout(id), (r) => r.devices.reverted === 6 + 10 + halfBroad.length, 'every member reverted');

    const audit = await fleet.audit(`rollout:${id}`);
    expect(audit.map((e) => [e.action, e.actor])).toEqual([
      ['rollout.created', 'admin'],
      ['rollout.step.completed', 'job:rollout-controller'],
      ['rollout.paused', 'admin'],
      ['rollout.resumed', 'admin'],
      ['rollout.step.completed', 'admin'],
      ['rollout.step.completed', expect.any(String)],
      ['rollout.advance.requested', 'admin'],
      ['rollout.step.completed', 'admin'],
      ['rollout.step.completed', expect.any(String)],
      ['rollout.aborted', 'admin'],
      ['rollout.rolled-back', 'admin'],
    ]);
    expect(audit.find((e) => e.action === 'rollout.paused')?.details).toMatchObject({ step: 1, reason: 'holiday freeze' });
    expect(audit.filter((e) => e.action === 'rollout.step.completed').map((e) => [e.details.step, e.details.manual])).toEqual([
      [0, false],
      [1, false],
      [2, false],
      [3, true],
      [4, false],
    ]);
    // Version 2 was downloaded once by each touched device, version 1 never again.
    expect(fleet.artifacts.requests.slice(requests0).map((r) => r.device).sort()).toEqual([...canary, ...early, ...halfBroad].map((d) => d.id).sort());
  });

  it('advance skips a bake; abort with revert sends the devices back, after which rollback has nothing left to do', async () => {
    const { id } = await create({ steps: [{ kind: 'ring', ring: 'canary' }, { kind: 'bake', minutes: 120, minReporting: 0 }, { kind: 'ring', ring: 'early' }, { kind: 'approve' }] });
    await fleet.serving(canary, '2');
    await untilStep(id, 1);
    const advanced = await act(id, 'advance', { reason: 'hotfix, skip the bake' });
    expect(advanced.step).toBeGreaterThanOrEqual(2);
    await fleet.serving(early, '2');
    await untilStep(id, 3);
    const skipped = (await fleet.audit(`rollout:${id}`)).find((e) => e.action === 'rollout.step.completed' && e.details.step === 1);
    expect(skipped).toMatchObject({ actor: 'admin', details: { kind: 'bake', manual: true } });

    const beforeAbort = await snapshot();
    expect(await act(id, 'abort', { revert: true, reason: 'wrong build' })).toMatchObject({ state: 'aborted', reverted: true });
    await expectReverted([...canary, ...early], beforeAbort);
    expect((await refused(id, 'rollback')).message).toContain('whose devices were already reverted');
    await waitUntil(() => fleet.rollout(id), (r) => r.devices.reverted === 16, 'every member reverted');
  });

  it('a second rollout of the model is refused while one is active, unless it supersedes it: explicit, audited, and its rollback reverts every device', async () => {
    const first = await create({ steps: [{ kind: 'ring', ring: 'canary' }, { kind: 'approve' }, { kind: 'ring', ring: '*' }] });
    await fleet.serving(canary, '2');
    await untilStep(first.id, 1);
    const clash = await fleet.api<ErrorReply>('POST', '/api/v1/rollouts', { model: MODEL, version: '2', plan: { steps: [{ kind: 'ring', ring: 'early' }] } });
    expect(clash.status).toBe(409);
    expect(clash.body.error.message).toBe(`rollout ${first.id} (2, running) of ${MODEL} is still active: pause it, abort it, or create this one with "supersede": true`);

    const seqsBefore = await seqs();
    const second = await create({ steps: [{ kind: 'ring', ring: 'canary' }, { kind: 'ring', ring: 'early' }] }, true);
    expect(second.supersedes).toBe(first.id);
    expect(await fleet.rollout(first.id)).toMatchObject({ state: 'superseded', supersededBy: second.id });
    expect((await refused(first.id, 'resume')).message).toBe(`rollout ${first.id} was superseded by ${second.id}: act on that one`);
    const audit = await fleet.audit(`rollout:${first.id}`);
    expect(audit.at(-1)).toMatchObject({ action: 'rollout.superseded', actor: 'admin', details: { by: second.id, byVersion: '2' } });
    expect((await fleet.audit(`rollout:${second.id}`))[0]).toMatchObject({ action: 'rollout.created', details: { superseded: [first.id] } });

    await fleet.serving(early, '2');
    const done = await waitUntil(() => fleet.rollout(second.id), (r) => r.state === 'completed' && r.devices.serving === 16, 'the superseding rollout to complete, 16 serving');
    expect(done.devices).toEqual({ serving: 16 });
    // The canary kept the doc the first rollout sent it: only the early ring got new ones.
    const beforeRollback = await snapshot();
    for (const device of canary) expect(beforeRollback.seqs[device.id], device.id).toBe(seqsBefore[device.id]);
    // Rolling the superseding rollout back reverts the canary too: its previous version is 1.
    expect(done.members.map((m) => [m.device, m.previous]).sort()).toEqual([...canary, ...early].map((d) => [d.id, `${MODEL}@1`]).sort());
    await act(second.id, 'rollback');
    await expectReverted([...canary, ...early], beforeRollback);
  });

  it('bad plans and unknown actions get 400s that say what is wrong', async () => {
    const bad = await fleet.api<ErrorReply>('POST', '/api/v1/rollouts', {
      model: MODEL,
      version: '2',
      plan: { steps: [{ kind: 'bake', minutes: 5 }, { kind: 'ring', ring: 'lab' }, { kind: 'gate', metrics: [{ metric: 'error-rate', min: 0.1 }] }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details?.map((d) => d.path)).toEqual(['plan.steps.0', 'plan.steps.1.ring', 'plan.steps.2.metrics.0']);
    expect(bad.body.error.message).toContain('no ring "lab" (rings: canary, early, broad)');
    expect(bad.body.error.message).toContain('error-rate takes a max, not a min');
    const growth = await fleet.api<ErrorReply>('POST', '/api/v1/rollouts', { model: MODEL, version: '2', plan: { steps: [{ kind: 'ring', ring: '*', percent: 50 }, { kind: 'ring', ring: '*', percent: 20 }] } });
    expect(growth.status).toBe(400);
    expect(growth.body.error.message).toContain('a later step must grow it');
    const { rollouts } = (await fleet.api<{ rollouts: RolloutView[] }>('GET', '/api/v1/rollouts')).body;
    const latest = rollouts[0] as RolloutView;
    expect((await fleet.api('POST', `/api/v1/rollouts/${latest.id}/promote`)).status).toBe(400);
    expect((await fleet.api('POST', `/api/v1/rollouts/${latest.id}/pause`, { revert: true })).status).toBe(400);
    expect((await fleet.api('POST', '/api/v1/rollouts/00000000-0000-4000-8000-000000000000/pause')).status).toBe(404);
  });
});
