/**
 * Scenario files run end to end at small scale against a real hub (in-process, temp data dir,
 * fixed ports after the first start so it can be restarted), with lean devices in child
 * processes: drift on the canary visible in the hub's drift route, then a rollout reaching
 * everyone; and faults (corrupted downloads, agent crashes, churn) with a hub restart in the
 * middle of a pin, with no statistics window lost or counted twice.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type Hub } from '@edgefleet/hub';
import { AdminApi, trainMachineVersion } from '../src/lean/hub-api';
import { runScenario, type ScenarioReport } from '../src/lean/runner';
import { driftRolloutRollback, faultsAndHubRestart, storm10k } from '../src/lean/scenarios';
import { scenarioSchema } from '../src/lean/scenario';

const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const TOKEN = 'lean-scenario-admin-token';

/**
 * A hub of its own per scenario (a rollout to '*' also takes devices enrolled later, so two
 * scenarios on one hub would meet), with versions 1 and 2 of `model` trained on other seeded
 * rows, and restartable on the same data dir and ports.
 */
class ScenarioHub {
  hub!: Hub;
  private ports = { httpPort: 0, mqttPort: 0 };
  private constructor(private readonly dir: string) {}

  static async start(model: string): Promise<ScenarioHub> {
    const self = new ScenarioHub(await mkdtemp(join(tmpdir(), 'edgefleet-lean-scenario-')));
    await self.startHub();
    const api = new AdminApi(self.hub);
    for (const [version, seed] of [['1', 1], ['2', 2]] as const) await trainMachineVersion(api, { model, version, seed });
    return self;
  }

  private async startHub(): Promise<void> {
    this.hub = await startHub({ dataDir: this.dir, ...this.ports, host: '127.0.0.1', adminToken: TOKEN, logger: quiet });
    this.ports = { httpPort: Number(new URL(this.hub.httpUrl).port), mqttPort: Number(new URL(this.hub.mqttUrl).port) };
  }

  hooks() {
    return {
      hubUrl: this.hub.httpUrl,
      adminToken: TOKEN,
      restartHub: async () => {
        await this.hub.close();
        await this.startHub();
      },
    };
  }

  async close(): Promise<void> {
    await (this.hub as Hub | undefined)?.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}
/** EDGEFLEET_TEST_LOG=1 prints each scenario's whole report. */
const print = (report: ScenarioReport): void => {
  if (process.env.EDGEFLEET_TEST_LOG) process.stderr.write(`${JSON.stringify(report, null, 1)}\n`);
};
const show = (report: ScenarioReport): string => JSON.stringify({ error: report.error, steps: report.steps, expectations: report.expectations.filter((e) => !e.ok), tally: report.tally }, null, 1);

describe('lean scenario files', () => {
  it('the examples are valid scenario files; a bad one is refused naming its faults', () => {
    expect(scenarioSchema.safeParse(driftRolloutRollback({ model: 'm' })).success).toBe(true);
    expect(scenarioSchema.safeParse(faultsAndHubRestart({ model: 'm' })).success).toBe(true);
    expect(scenarioSchema.safeParse(storm10k({ model: 'm' })).success).toBe(true);
    const bad = scenarioSchema.safeParse({ name: 'x', given: { fleet: [{ ring: 'main', size: 0 }] }, when: [{ atS: 1, do: { kind: 'explode' } }] });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['given.fleet.0.size', 'when.0.do.kind']));
  });
});

describe('scenario: drift on the canary, a rollout and its rollback', { timeout: 180_000 }, () => {
  let hub: ScenarioHub | null = null;
  beforeAll(async () => {
    hub = await ScenarioHub.start('drift-model');
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
  });

  it('given a canary and a main ring on 1, when the canary drifts, 2 rolls out and is rolled back, then the drift shows on the canary only and every device is back on 1 without a download', async () => {
    const report = await runScenario(driftRolloutRollback({ model: 'drift-model', size: 20, statsIntervalS: 1 }), (hub as ScenarioHub).hooks());
    print(report);
    expect(report.passed, show(report)).toBe(true);
    expect(report.setup).toMatchObject({ devices: 20, processes: 1 });
    const rollout = report.steps.find((s) => s.label === 'rollout');
    expect(rollout?.serving).toMatchObject({ n: 20, missing: 0 });
    expect(report.steps.find((s) => s.label === 'rollback')?.serving).toMatchObject({ n: 20, missing: 0 });
    expect(Object.keys(report.tally?.versions ?? {}).sort()).toEqual(['drift-model@1', 'drift-model@2']);
    // One download per version and process: the rollback took what each device had kept.
    expect(report.tally?.fetches.artifacts).toBe(2);
  });
});

describe('scenario: faults and a hub restart during a pin', { timeout: 180_000 }, () => {
  let hub: ScenarioHub | null = null;
  beforeAll(async () => {
    hub = await ScenarioHub.start('fault-model');
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
  });

  it('given 20 devices on 1, when some crash, churn, get corrupted or dripping downloads while 2 is pinned and the hub restarts, then the healthy serve 2, the corrupted keep 1, and no window is lost or doubled', async () => {
    const scenario = faultsAndHubRestart({ model: 'fault-model', size: 20, statsIntervalS: 1 });
    // Two processes at this scale, as a big fleet would have.
    const report = await runScenario({ ...scenario, given: { ...scenario.given, devicesPerProcess: 10 } }, (hub as ScenarioHub).hooks());
    print(report);
    expect(report.passed, show(report)).toBe(true);
    expect(report.setup.processes).toBe(2);
    expect(Object.keys(report.tally?.versions ?? {}).sort()).toEqual(['fault-model@1', 'fault-model@2']);
    expect(report.tally?.versions['fault-model@2']?.acked.windows).toBeGreaterThan(0);
    // The slow link failed installs with E_SLOW_RETRIEVAL until it was repaired; corrupted downloads failed for good.
    expect(report.tally?.counters['installFailed:E_SLOW_RETRIEVAL']).toBeGreaterThanOrEqual(1);
    expect(report.tally?.counters['installFailed:E_HASH_MISMATCH']).toBe(2);
  });
});
