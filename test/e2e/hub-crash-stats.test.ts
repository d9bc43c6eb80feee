/**
 * Issue 16, crash safety of the hub: statistics ingestion under load while the hub is SIGKILLed.
 * 200 lean devices (fleet-sim, two processes) close a window every 2 s and publish it QoS 1; each
 * keeps a window in its outbox until the broker's PUBACK. The hub (hub/src/main.ts in its own
 * process) is killed at seeded random moments while the windows flow, once more right after one
 * of its restarts, while the devices reconnect and their outboxes drain into it, and each time
 * started again on the same data dir and ports. The embedded broker holds a window's PUBACK
 * until the batch holding it committed (adapters/broker/embedded.ts,
 * services/statistics/ingest-batcher.ts), so in the end every window a device had acknowledged
 * is stored, and exactly once: the outboxes send again what was not acknowledged, and msgIds
 * dedupe a window stored whose PUBACK the kill lost. (Acknowledging before the commit, as aedes
 * does on its own, loses windows here.) After each kill the SQLite file passes its integrity
 * checks, and after each start no half-written file is left.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '@edgefleet/protocol';
import { AdminApi, trainMachineVersion } from '../../fleet-sim/src/lean/hub-api';
import { runScenario } from '../../fleet-sim/src/lean/runner';
import { defineScenario } from '../../fleet-sim/src/lean/scenario';
import { contentProblems, sqliteProblems } from '../support/crash-checks';
import { HubChild } from '../support/hub-child';

const MODEL = 'crash-stats';
const TOKEN = 'crash-stats-admin-token-0123456789';
const DEVICES = 200;
/** the kill points: seeded, so a failure replays with the same moments */
const SEED = 16;
const KILLS = 3;

describe('statistics windows while the hub is SIGKILLed', { timeout: 900_000 }, () => {
  let dir = '';
  let hub: HubChild | null = null;

  afterAll(async () => {
    await hub?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('every window a device had acknowledged is stored exactly once, and each kill leaves a consistent data dir', async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgefleet-crash-stats-'));
    const running = new HubChild({ dataDir: dir, adminToken: TOKEN });
    hub = running;
    await running.start();
    const api = new AdminApi({ httpUrl: running.httpUrl, adminToken: TOKEN });
    await trainMachineVersion(api, { model: MODEL, version: '1', rows: 1_000 });
    const sqlite = Object.keys(await running.database()).length === 0;

    const random = mulberry32(SEED);
    // Kills a few seconds apart while the windows flow; after the second, the restarted hub is
    // killed again within a seeded 1.5 s, while the devices reconnect and send their backlog.
    const plan = Array.from({ length: KILLS }, (_, i) => ({ atS: 2 + i * 3 + random() * 2, again: i % 2 === 1 ? random() * 1_500 : null }));
    const checks: string[][] = [];
    let kill = 0;
    const killAndCheck = async (): Promise<void> => {
      await running.kill();
      // PostgreSQL is not killed (the hub's connections just drop): its own WAL keeps commits.
      checks.push(sqlite ? sqliteProblems(dir) : []);
    };
    const restartHub = async (): Promise<void> => {
      const point = plan[kill++];
      await killAndCheck();
      await running.start();
      if (point && point.again !== null) {
        await new Promise((resolve) => setTimeout(resolve, point.again ?? 0));
        await killAndCheck();
        await running.start();
      }
      checks.push(await contentProblems(dir));
    };

    const report = await runScenario(
      defineScenario({
        name: 'statistics while the hub is killed',
        given: {
          idPrefix: 'crash',
          fleet: [{ ring: 'main', size: DEVICES }],
          groups: { default: { rowsPerSecond: 2 } },
          serving: { model: MODEL, version: '1' },
          connect: { rampS: 2, withinS: 120 },
          lean: { statsIntervalS: 2, reconnectMs: 1_000 },
          devicesPerProcess: 100,
        },
        when: plan.map((point, i) => ({ atS: point.atS, label: `kill-${i + 1}`, do: { kind: 'restart-hub' as const } })),
        // Generous: on a loaded machine (or PostgreSQL) the restarted hub takes minutes to work
        // through the windows queued while it was away.
        then: [
          { kind: 'connected', select: {}, withinS: 300 },
          { kind: 'stats-exact', model: MODEL, version: '1', withinS: 300 },
        ],
      }),
      { hubUrl: running.httpUrl, adminToken: TOKEN, restartHub },
    );

    expect(report.passed, `${JSON.stringify({ error: report.error, steps: report.steps.map((s) => [s.label, s.ranAtS, s.detail]), expectations: report.expectations }, null, 1)}\n${running.output().slice(-4_000)}`).toBe(true);
    expect(running.starts).toBe(1 + KILLS + plan.filter((p) => p.again !== null).length);
    expect(checks.flat()).toEqual([]);
    // Something was acknowledged around the kills, not an idle fleet.
    const acked = report.tally?.versions[`${MODEL}@1`]?.acked.windows ?? 0;
    expect(acked).toBeGreaterThan(DEVICES * KILLS);
  });
});
