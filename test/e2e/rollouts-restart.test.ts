/**
 * Issue 6, end to end: a rollout survives the hub restarting in the middle of it, and devices
 * that are offline during a step either converge when they come back or are marked timed-out.
 * 32 real agents in three rings (canary 6, early 10, broad 16); two early devices are switched
 * off before the rollout reaches their ring, so the early step (90% of its 16 devices serving)
 * waits on them. The hub stops there and starts again on the same data dir and ports: the
 * rollout is at the same step with the same devices, and no deployment doc was issued again.
 * One early device comes back and converges (its retained doc waits for it), which completes the
 * step; the other stays away past its step's deadline and is marked timed-out (within the
 * ring's error threshold, so the rollout goes on and completes), then converges when it returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL, RolloutFleet, type FleetDevice } from '../support/rollout-fleet';
import { type RolloutView } from '../support/rollout-views';
import { waitUntil } from '../support/test-clock';
import { machineCsv } from '../fixtures/machine-data';

const PLAN = {
  steps: [
    { kind: 'ring', ring: 'canary' },
    { kind: 'ring', ring: 'early', successThreshold: 0.9, maxFailures: 0.1, deadlineMinutes: 60 },
    { kind: 'bake', minutes: 30, minReporting: 1 },
    { kind: 'ring', ring: '*', successThreshold: 0.9, maxFailures: 0.1, deadlineMinutes: 60 },
  ],
};

describe('a rollout across a hub restart, with devices offline during its steps', { timeout: 60_000 }, () => {
  let fleet: RolloutFleet;
  let id = '';
  let returning: FleetDevice;
  let away: FleetDevice;
  let v2Sha = '';

  beforeAll(async () => {
    fleet = await RolloutFleet.start(
      'rr',
      [
        { name: 'canary', size: 6 },
        { name: 'early', size: 10 },
        { name: 'broad', size: 16 },
      ],
      { train: { '2': machineCsv(3000, 2) } },
    );
    v2Sha = await fleet.sha256Of('2');
    [returning, away] = fleet.ring('early') as [FleetDevice, FleetDevice];
  }, 60_000);

  afterAll(async () => {
    await fleet?.close();
  });

  const membersOf = (view: RolloutView) => view.members.map((m) => ({ device: m.device, step: m.step, previous: m.previous })).sort((a, b) => a.device.localeCompare(b.device));
  const seqs = async (): Promise<Record<string, number>> => {
    const { devices } = (await fleet.api<{ devices: { id: string; assignment: { seq: number } | null }[] }>('GET', '/api/v1/devices')).body;
    return Object.fromEntries(devices.map((d) => [d.id, d.assignment?.seq ?? -1]));
  };
  const online = async (): Promise<Record<string, boolean>> => {
    const { devices } = (await fleet.api<{ devices: { id: string; online: boolean }[] }>('GET', '/api/v1/devices')).body;
    return Object.fromEntries(devices.map((d) => [d.id, d.online]));
  };
  /** The hub sees exactly the devices whose agent runs as online. */
  const onlineAsRunning = (seen: Record<string, boolean>): boolean => fleet.devices.every((d) => seen[d.id] === (d.agent !== null));

  it('the early step waits on its two offline devices', async () => {
    await fleet.stopAgent(returning);
    await fleet.stopAgent(away);
    await waitUntil(online, onlineAsRunning, 'the hub to see both offline');
    const created = await fleet.api<RolloutView>('POST', '/api/v1/rollouts', { model: MODEL, version: '2', plan: PLAN });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    id = created.body.id;
    await fleet.serving(fleet.ring('canary'), '2');
    const onlineEarly = fleet.ring('early').filter((d) => d.agent !== null);
    await fleet.serving(onlineEarly, '2');
    // 14 of 16 serve, 15 are needed: the step waits, counting the two as offline (not failed).
    const waiting = await waitUntil(() => fleet.rollout(id), (r) => r.devices.serving === 14, '14 devices serving');
    expect(waiting).toMatchObject({ state: 'running', step: 1, devices: { serving: 14, offline: 2 } });
    expect(waiting.members.filter((m) => m.status === 'offline').map((m) => m.device).sort()).toEqual([returning.id, away.id].sort());
    expect((await fleet.settle(id)).step).toBe(1);
  });

  it('the hub restarted there resumes the rollout at the same step with the same devices, issuing nothing again', async () => {
    const before = await fleet.rollout(id);
    const seqsBefore = await seqs();
    const requestsBefore = fleet.artifacts.requests.length;
    await fleet.hub.close();
    // The devices keep serving while the hub is away.
    expect(await fleet.feed(fleet.ring('canary'), 20)).toBe(0);
    await fleet.startHub();
    await waitUntil(online, onlineAsRunning, 'the running agents to reconnect');
    const after = await fleet.settle(id);
    expect(after).toMatchObject({ state: 'running', step: 1, stepStartedAt: before.stepStartedAt, devices: { serving: 14, offline: 2 } });
    expect(membersOf(after)).toEqual(membersOf(before));
    expect(await seqs()).toEqual(seqsBefore);
    expect(fleet.artifacts.requests.length).toBe(requestsBefore);
    for (const device of fleet.devices.filter((d) => d.agent !== null)) expect(fleet.agentOf(device).status().active?.version, device.id).toBe(['canary', 'early'].includes(device.ring) ? '2' : '1');
  });

  it('a device that returns converges on its retained doc, which completes the step', async () => {
    await fleet.startAgents([returning]);
    await fleet.serving([returning], '2');
    expect(fleet.artifacts.requests.filter((r) => r.device === returning.id).map((r) => r.sha256).at(-1)).toBe(v2Sha);
    const view = await waitUntil(() => fleet.rollout(id), (r) => r.step === 2, 'the bake step');
    expect(view.devices).toEqual({ serving: 15, offline: 1 });
  });

  it('a device away past its deadline is timed-out, within the error threshold, and the rollout completes; it converges when it returns', async () => {
    await fleet.freshWindows();
    await fleet.feed(fleet.devices.filter((d) => d.agent !== null), 50);
    await fleet.flushStats();
    // Past the bake, and past the early step's 60-minute deadline of the device still away.
    fleet.clock.advance(61);
    const view = await fleet.settle(id);
    expect(view.step).toBeGreaterThanOrEqual(3);
    expect(view.members.find((m) => m.device === away.id)).toMatchObject({ status: 'timed-out', error: 'not serving 2 60 min after assignment' });
    await fleet.serving(fleet.devices.filter((d) => d.agent !== null), '2');
    // It completes at 90% serving; the last reports land in the completed rollout's statuses.
    const done = await waitUntil(() => fleet.rollout(id), (r) => r.state === 'completed' && r.devices.serving === 31, 'the rollout to complete, 31 serving');
    expect(done.devices).toEqual({ serving: 31, 'timed-out': 1 });

    await fleet.startAgents([away]);
    await fleet.serving([away], '2');
    // A completed rollout keeps watching its devices: the late one is counted as serving.
    const converged = await waitUntil(() => fleet.rollout(id), (r) => r.devices.serving === 32, 'all 32 serving');
    expect(converged).toMatchObject({ state: 'completed', devices: { serving: 32 } });
  });
});
