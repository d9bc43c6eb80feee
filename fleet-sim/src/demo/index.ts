/**
 * `npm run demo`: the hub plus a simulated fleet running a staged rollout (CONTRACT "Commands"),
 * watched in the terminal and in the admin console (a one-time sign-in link is printed), and the
 * hub's /web page, where the fleet's digits model runs in a browser (its enrolment link is
 * printed too). Parses the command line, runs the
 * demo's stages (demo.ts), then refreshes the view every 2 s from the admin API (monitor.ts)
 * until Ctrl-C, which stops traffic, agents and hub in that order.
 */
import { USAGE, parseDemoArgs } from './cli';
import { Demo, DemoClosed, FROM_VERSION, MODEL } from './demo';
import { DEMO_DRIFT_PERIOD_S } from './hub';
import { Monitor } from './monitor';
import { Terminal } from './terminal';
import { formatDuration, renderView, statusLine } from './view';

const REFRESH_MS = 2_000;
const TERMINAL_STATES = new Set(['completed', 'rolled-back', 'halted', 'aborted', 'superseded']);

async function main(): Promise<number> {
  const parsed = parseDemoArgs(process.argv.slice(2));
  if (parsed.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`demo: ${parsed.message}\n\n${USAGE}\n`);
    return 2;
  }
  const options = parsed.options;
  const terminal = new Terminal(process.stdout);
  captureConsole((line) => terminal.log(line));
  const demo = new Demo({ ...options, ports: 'contract' }, (line) => terminal.log(line));

  let monitor: Monitor | null = null;
  let refreshing = false;
  let reportedEnd = false;
  let lastError = '';
  const refresh = async (): Promise<void> => {
    const api = demo.api;
    const hub = demo.hub;
    if (refreshing || !api || !hub) return;
    refreshing = true;
    try {
      monitor ??= new Monitor(api, () => ({ model: MODEL, versions: demo.versions, rolloutId: demo.rolloutId, since: demo.startedAt }));
      const { snapshot, lines } = await monitor.poll();
      for (const line of lines) terminal.log(line);
      const rollout = snapshot.rollout;
      if (rollout && TERMINAL_STATES.has(rollout.state) && !reportedEnd) {
        reportedEnd = true;
        const now = Date.now();
        terminal.log(`rollout ${rollout.state} ${formatDuration(now - Date.parse(rollout.createdAt))} after it started, ${formatDuration(now - demo.startedAt.getTime())} after the demo did`);
        terminal.log('the fleet keeps serving traffic and the API stays up: Ctrl-C to stop');
      }
      const view = renderView(
        snapshot,
        { httpUrl: hub.httpUrl, mqttUrl: hub.mqttUrl, adminToken: demo.adminToken, consoleLink: demo.consoleLink, webLink: demo.web?.link ?? null, webStatus: demo.web?.status ?? null, devices: options.devices, rate: options.rate, statsIntervalS: options.statsIntervalS, bad: options.bad, fromVersion: FROM_VERSION, notes: demo.notes, startedAt: demo.startedAt, rowsAnswered: demo.traffic?.totals.rows ?? 0, requestsFailed: [...(demo.traffic?.totals.failed.values() ?? [])].reduce((a, b) => a + b, 0), driftPeriodS: DEMO_DRIFT_PERIOD_S },
        { color: terminal.interactive, width: terminal.viewWidth(), height: terminal.viewHeight() },
      );
      terminal.show(view, statusLine(snapshot));
      lastError = '';
    } catch (error) {
      // One line per distinct problem: a hub that is briefly busy must not flood the log.
      const message = error instanceof Error ? error.message : String(error);
      if (message !== lastError) terminal.log(`view: could not refresh: ${message}`);
      lastError = message;
    } finally {
      refreshing = false;
    }
  };
  const timer = setInterval(() => void refresh(), REFRESH_MS);

  let stopping: Promise<number> | null = null;
  const stop = (code: number): Promise<number> =>
    (stopping ??= (async () => {
      clearInterval(timer);
      const started = demo.hub !== null;
      if (started) terminal.log('stopping: traffic, then agents, then the hub');
      await demo.close().catch((error: unknown) => terminal.log(`shutdown problem: ${error instanceof Error ? error.message : String(error)}`));
      const kept = demo.keptDataDir();
      if (started) terminal.log(kept ? `stopped; data kept in ${kept}` : 'stopped');
      terminal.finish();
      return code;
    })());
  let firstSignalAt = 0;
  const done = new Promise<number>((resolve) => {
    process.on('SIGINT', () => {
      // A second Ctrl-C means the operator does not want to wait for a clean shutdown. One
      // within a second of the first is the same Ctrl-C delivered again: `timeout -s INT npm run
      // demo` signals the process group, and npm and tsx each relay the signal on top.
      if (stopping && Date.now() - firstSignalAt > 1_000) process.exit(130);
      firstSignalAt ||= Date.now();
      void stop(0).then(resolve);
    });
    process.on('SIGTERM', () => void stop(0).then(resolve));
  });
  // The cursor comes back even if something exits the process early.
  process.on('exit', () => {
    if (terminal.interactive) process.stdout.write('\x1b[?25h');
  });

  try {
    await demo.setup();
  } catch (error) {
    if (error instanceof DemoClosed) return done;
    terminal.log(error instanceof Error ? error.message : String(error));
    return stop(1);
  }
  await refresh();
  return done;
}

/**
 * Libraries that print on their own (node-cron warns on the console when a job's run overlaps
 * the next tick) would tear the frame apart: their lines go to the demo's log instead.
 */
function captureConsole(log: (line: string) => void): void {
  const strip = (args: unknown[]): string =>
    args
      .map((a) => (typeof a === 'string' ? a : a instanceof Error ? a.message : (JSON.stringify(a) ?? String(a))))
      .join(' ')
      // colour codes and node-cron's own "[timestamp] [PID: n]" prefix add nothing here
      .replace(/\x1b\[[0-9;]*m/g, '')
      .replace(/^\[[^\]]*\] \[PID: \d+\] /, '')
      .trim();
  for (const level of ['log', 'info', 'warn', 'error'] as const) console[level] = (...args: unknown[]) => log(strip(args));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
