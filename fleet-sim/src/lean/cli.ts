/**
 * Runs an example scenario against a fresh hub in a process of its own (../hub-process/):
 *   npx tsx fleet-sim/src/lean/cli.ts --scenario storm10k --size 10000
 *   npx tsx fleet-sim/src/lean/cli.ts --scenario driftRolloutRollback --size 200 --stats-interval 5
 * The hub gets a temp data dir (kept with --keep), fixed ports after its first start (so
 * `restart-hub` can bring it back on the same URLs), and versions 1 and 2 of the scenario's
 * model trained through the API. Prints progress, then the report as JSON; exit code 1 when a
 * step or expectation failed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HubProcess } from '../hub-process';
import { AdminApi, trainMachineVersion } from './hub-api';
import { runScenario } from './runner';
import * as examples from './scenarios';

const MODEL = 'lean-bench';
const { values } = parseArgs({ options: { scenario: { type: 'string', default: 'storm10k' }, size: { type: 'string' }, 'stats-interval': { type: 'string' }, keep: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
if (values.help) {
  process.stdout.write(
    [
      'usage: npx tsx fleet-sim/src/lean/cli.ts [--scenario NAME] [--size N] [--stats-interval S] [--keep]',
      `  --scenario        one of ${Object.keys(examples).join(', ')} (default storm10k)`,
      '  --size            devices (default: the scenario\'s)',
      "  --stats-interval  the devices' statistics window, seconds (default: the scenario's)",
      "  --keep            keep the hub's temp data dir",
      '',
    ].join('\n'),
  );
  process.exit(0);
}
const build = examples[values.scenario as keyof typeof examples] as ((options: { model: string; size?: number; statsIntervalS?: number }) => ReturnType<typeof examples.storm10k>) | undefined;
if (!build) {
  process.stderr.write(`unknown scenario ${values.scenario}; one of ${Object.keys(examples).join(', ')}\n`);
  process.exit(2);
}
const scenario = build({ model: MODEL, ...(values.size ? { size: Number(values.size) } : {}), ...(values['stats-interval'] ? { statsIntervalS: Number(values['stats-interval']) } : {}) });

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const dir = await mkdtemp(join(tmpdir(), 'edgefleet-lean-run-'));
const hub = new HubProcess({ dataDir: dir, adminToken: 'lean-cli-admin-token-0123456789' });
let failed = true;
try {
  await hub.start();
  log(`hub on ${hub.httpUrl} in its own process (data ${dir}); training ${MODEL} 1 and 2`);
  const api = new AdminApi(hub);
  for (const [version, seed] of [['1', 1], ['2', 2]] as const) await trainMachineVersion(api, { model: MODEL, version, seed });
  const report = await runScenario(scenario, {
    hubUrl: hub.httpUrl,
    adminToken: hub.adminToken,
    log,
    progressEveryS: 30,
    restartHub: async () => {
      const t0 = Date.now();
      await hub.restart();
      log(`hub restarted in ${Date.now() - t0} ms`);
    },
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  failed = !report.passed;
} finally {
  await hub.stop();
  if (!values.keep) await rm(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
