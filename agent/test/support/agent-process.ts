/**
 * An agent in its own process, for tests that kill it for real (THREATS 17). Configured by the
 * JSON in THREAT_AGENT (AgentProcessConfig); prints one JSON line per report and event on stdout
 * (the first line: { ready: <local API URL> }). With `killAt` it SIGKILLs itself the moment that
 * report or event is raised: from inside the listener, so no later step of the agent can run.
 */
import type { DeviceEvent, ReportedState } from '@edgefleet/protocol';
import { startAgent } from '../../src/agent';
import { FAST_TUNING, SILENT_LOGGER } from './agent-options';

export interface KillPoint {
  /** the first report in this phase (downloading, verifying, loading, probing, ...) */
  phase?: ReportedState['phase'];
  /** the first report naming this seq */
  seq?: number;
  /** the first event of this kind (install-started, installed, activated, ...) */
  event?: DeviceEvent['kind'];
}

export interface AgentProcessConfig {
  hubUrl: string;
  deviceId: string;
  secret: string;
  dataDir: string;
  killAt?: KillPoint;
}

const config = JSON.parse(process.env.THREAT_AGENT ?? '{}') as AgentProcessConfig;
const killAt = config.killAt ?? {};
const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const die = (why: object) => {
  // Written synchronously, so the parent knows where it died; nothing after it runs.
  process.stdout.write(`${JSON.stringify({ killed: why })}\n`);
  process.kill(process.pid, 'SIGKILL');
};

const agent = await startAgent({
  hubUrl: config.hubUrl,
  deviceId: config.deviceId,
  deviceSecret: config.secret,
  dataDir: config.dataDir,
  port: 0,
  logger: SILENT_LOGGER,
  // Every kill from the load to the probe's end spends one of the install's persisted attempts
  // (device-core install-attempts.ts); a test killing it after each step needs more than four.
  tuning: { ...FAST_TUNING, maxInstallAttempts: 10 },
});
agent.onReport((state) => {
  print({ report: { phase: state.phase, seq: state.seq, active: state.active?.version ?? null } });
  if (state.phase === killAt.phase || state.seq === killAt.seq) die({ phase: state.phase, seq: state.seq });
});
agent.onEvent((event) => {
  print({ event: { kind: event.kind, seq: event.seq ?? null } });
  if (event.kind === killAt.event) die({ event: event.kind });
});
print({ ready: agent.localUrl });
process.on('SIGTERM', () => void agent.close().then(() => process.exit(0)));
