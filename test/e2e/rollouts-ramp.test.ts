/**
 * Issue 17 item 4, end to end: gradual ramp-up of traffic on real agents. Six agents (canary 4,
 * broad 2) serve version 1 of the machine-health classifier.
 *
 * - Version 2 (retrained on the same site's data) goes to the canary at 10% of each device's
 *   requests, then 50%, then all of them: both versions loaded on every canary device, each
 *   request answered by the version its key picks (the same key always the same version), each
 *   version's answers counted in its own statistics at the hub, and the gates compare the two
 *   on the same devices. Raising the share and switching over download nothing.
 * - Version 4 fails requests on hot machines: at 10% of the traffic the gate sees its error rate
 *   against version 2 on the same devices, halts and rolls back: the devices drop version 4
 *   (no download) and serve version 2 alone again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeToCandidate } from '../../device-core/src/predictions/traffic-split';
import { hotFailingClassifierOnnx } from '../fixtures/rollout-models';
import { machineCsv } from '../fixtures/machine-data';
import { MODEL, RolloutFleet, type FleetDevice } from '../support/rollout-fleet';
import type { GateView, RolloutView } from '../support/rollout-views';
import { waitUntil } from '../support/test-clock';

const GATE = [
  { metric: 'install-success', min: 1 },
  { metric: 'error-rate', max: 0.05, maxVsControl: 2, minSamples: 20 },
];
const rampPlan = (shares: readonly number[]) => ({
  steps: [
    ...shares.flatMap((traffic) => [{ kind: 'ring', ring: 'canary', traffic }, { kind: 'bake', minutes: 30, minReporting: 4 }, { kind: 'gate', metrics: GATE, maxInconclusive: 0 }]),
    { kind: 'ring', ring: 'canary' },
  ],
  autoRollback: true,
});

interface StatsView {
  merged: { n: number; errors: Record<string, number> } | null;
}

describe('ramp-up of traffic on real agents', { timeout: 120_000 }, () => {
  let fleet: RolloutFleet;
  let canary: FleetDevice[];
  let broad: FleetDevice[];

  beforeAll(async () => {
    fleet = await RolloutFleet.start('ramp', [
      { name: 'canary', size: 4 },
      { name: 'broad', size: 2 },
    ], { train: { '2': machineCsv(3000, 2) } });
    canary = fleet.ring('canary');
    broad = fleet.ring('broad');
  }, 120_000);

  afterAll(async () => {
    await fleet?.close();
  });

  /** Every canary agent serves `active` with `candidate` answering `share` of its requests. */
  const ramped = (active: string, candidate: string, share: number): Promise<unknown> =>
    waitUntil(
      () => canary.map((d) => fleet.agentOf(d).status()),
      (all) => all.every((s) => s.phase === 'serving' && s.active?.version === active && s.traffic?.candidate.version === candidate && s.traffic.share === share),
      `the canary serving ${active} with ${share * 100}% of requests to ${candidate}`,
    );

  const versionStats = async (version: string, device?: string): Promise<{ n: number; errors: number }> => {
    const query = device === undefined ? '' : `&device=${device}`;
    const view = (await fleet.api<StatsView>('GET', `/api/v1/models/${MODEL}/versions/${version}/stats?from=2000-01-01T00:00:00.000Z${query}`)).body;
    return { n: view.merged?.n ?? 0, errors: Object.values(view.merged?.errors ?? {}).reduce((a, b) => a + b, 0) };
  };

  /** Requests of the old version a keyed feed of `rows` rows (`batch` a request) makes on the canary from where each device's stream stands. */
  const oldVersionRequests = (rows: number, batch: number, share: number, keys?: number): number =>
    canary.reduce((sum, d) => {
      let old = 0;
      for (let at = 0; at < rows; at += batch) if (!routeToCandidate(share, `${d.id}:${keys === undefined ? d.drawn + at : (d.drawn + at) % keys}`, Math.random)) old++;
      return sum + old;
    }, 0);
  /** the old version's requests on the canary since the rollout began: the gate's control, nothing else */
  let controlRequests = 0;
  const feedCanary = async (rows: number, batch: number, ramp: { candidate: string; share: number; keys?: number }): Promise<void> => {
    controlRequests += oldVersionRequests(rows, batch, ramp.share, ramp.keys);
    await fleet.feed(canary, rows, { batch, ramp });
  };

  /** Feeds the canary (keyed requests) and the broad ring, closes the windows, moves past the bake and lets the controller run. */
  const bakeAndGate = async (id: string, candidate: string, share: number): Promise<RolloutView> => {
    await waitUntil(() => fleet.rollout(id), (r) => r.steps[r.step]?.kind === 'bake', 'the bake step');
    // Windows sent from here on start after the bake began (the bake counts only those).
    await fleet.flushStats();
    await feedCanary(300, 5, { candidate, share });
    // The broad ring serves the old version too, on other devices: not the control of a ramp-up.
    await fleet.feed(broad, 300, { batch: 5 });
    // The hub counts each version's rows exactly as the keys routed them (flushStats waits for it).
    await fleet.flushStats();
    fleet.clock.advance(31);
    return fleet.settle(id);
  };

  it('goes 10%, 50%, 100% with per-version statistics and gates on the same devices, downloading version 2 once', async () => {
    const v2Sha = await fleet.sha256Of('2');
    const before = fleet.artifacts.requests.length;
    const broadSeqs = await Promise.all(broad.map(async (d) => (await fleet.deviceView(d.id)).assignment?.seq));
    const created = await fleet.api<RolloutView>('POST', '/api/v1/rollouts', { model: MODEL, version: '2', plan: rampPlan([10, 50]) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;
    expect(created.body.members.map((m) => [m.mode, m.trafficShare])).toEqual(canary.map(() => ['shadow', 0.1]));
    await ramped('1', '2', 0.1);

    // The same key always gets the same version, the one device-core's rule picks for it (feed
    // checks every answer's version): 20 keys per device, each sent several times.
    controlRequests = 0;
    await feedCanary(200, 2, { candidate: '2', share: 0.1, keys: 20 });

    let view = await bakeAndGate(id, '2', 0.1);
    // Both versions answered on every canary device, each counted under its own version.
    for (const device of canary) {
      expect((await versionStats('2', device.id)).n, device.id).toBeGreaterThan(0);
      expect((await versionStats('1', device.id)).n, device.id).toBeGreaterThan((await versionStats('2', device.id)).n);
    }
    // The gate passed, comparing version 2 with version 1 on the canary devices alone: its control
    // is exactly their version-1 requests, not the broad ring's.
    expect(view.step).toBe(4);
    const passed = (await fleet.audit(`rollout:${id}`)).find((e) => e.action === 'rollout.step.completed' && e.details['kind'] === 'gate')?.details['gate'] as GateView;
    expect(passed.verdict).toBe('pass');
    expect(passed.metrics.find((m) => m.metric === 'error-rate')?.controlSamples).toBe(controlRequests);
    expect(view.members.map((m) => [m.mode, m.trafficShare])).toEqual(canary.map(() => ['shadow', 0.5]));
    await ramped('1', '2', 0.5);

    view = await bakeAndGate(id, '2', 0.5);
    expect(view.step).toBe(6);
    expect(view.members.map((m) => [m.mode, m.trafficShare])).toEqual(canary.map(() => ['active', null]));
    await fleet.serving(canary, '2');
    // The agents serve version 2 before their reports reach the hub: its passes complete the
    // rollout once they have.
    await waitUntil(
      async () => {
        await fleet.tick();
        return fleet.rollout(id);
      },
      (r) => r.state === 'completed',
      'the rollout completed',
    );
    for (const device of canary) expect(fleet.agentOf(device).status().traffic, device.id).toBeNull();
    // Version 2 came down once per device (its first shadow install): raising the share and switching over took nothing.
    const fetched = fleet.artifacts.requests.slice(before);
    expect(fetched.filter((r) => r.sha256 === v2Sha).map((r) => r.device).sort()).toEqual(canary.map((d) => d.id).sort());
    expect(fetched.filter((r) => r.sha256 !== v2Sha)).toEqual([]);
    // The broad ring was never touched.
    expect(await Promise.all(broad.map(async (d) => (await fleet.deviceView(d.id)).assignment?.seq))).toEqual(broadSeqs);
  });

  it('a worse version at 10% of the traffic fails the gate against the old version on the same devices, and is dropped without a download', async () => {
    await fleet.startNewHour();
    await fleet.upload('4', hotFailingClassifierOnnx(fleet.columns.get('temperature') as number));
    const v2Sha = await fleet.sha256Of('2');
    const before = fleet.artifacts.requests.length;
    controlRequests = 0;
    const created = await fleet.api<RolloutView>('POST', '/api/v1/rollouts', { model: MODEL, version: '4', plan: rampPlan([10]) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await ramped('2', '4', 0.1);
    const view = await bakeAndGate(created.body.id, '4', 0.1);
    expect(view).toMatchObject({ state: 'rolled-back', step: 2 });
    const errorRate = view.gate?.metrics.find((m) => m.metric === 'error-rate');
    expect(errorRate).toMatchObject({ outcome: 'fail', control: 0, controlSamples: controlRequests });
    expect(errorRate?.value).toBeGreaterThan(0.05);
    expect((await versionStats('4')).errors).toBeGreaterThan(0);
    // Dropped: the canary serves version 2 alone again, without fetching it.
    await waitUntil(() => canary.map((d) => fleet.agentOf(d).status()), (all) => all.every((s) => s.phase === 'serving' && s.active?.version === '2' && s.traffic === null && s.shadow === null), 'the canary back on version 2 alone');
    expect(fleet.artifacts.requests.slice(before).filter((r) => r.sha256 === v2Sha)).toEqual([]);
    const reverted = await waitUntil(() => fleet.rollout(created.body.id), (r) => r.devices['reverted'] === canary.length, 'every member reverted');
    expect(reverted.reverted).toBe(true);
  });
});
