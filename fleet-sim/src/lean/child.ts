/**
 * A child process of a lean fleet: one LeanProcess driven over IPC by lean-fleet.ts. Started
 * with `node --import tsx child.ts`; exits when the parent says stop or goes away.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describeIssues } from '@edgefleet/protocol';
import { READY, requestSchema, type ChildReply, type ChildResults } from './ipc';
import { LeanProcess } from './lean-process';

let proc: LeanProcess | null = null;
/** how late this process's event loop runs: thousands of devices must not make their own timeouts */
const lag = monitorEventLoopDelay({ resolution: 20 });
lag.enable();

const send = (reply: ChildReply): void => {
  process.send?.(reply);
};

function requireProc(): LeanProcess {
  if (!proc) throw new Error('not initialised: send init first');
  return proc;
}

function handle(raw: unknown): ChildResults[keyof ChildResults] {
  const parsed = requestSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`bad request: ${describeIssues(parsed.error)}`);
  const { command } = parsed.data;
  switch (command.cmd) {
    case 'init':
      proc = new LeanProcess(command.hubUrl, command.groups, command.options);
      proc.add(command.devices);
      return proc.devices.size;
    case 'start':
      requireProc().start(command.rampMs, command.ids);
      return command.ids?.length ?? requireProc().devices.size;
    case 'apply':
      return requireProc().apply(command.command);
    case 'stats':
      requireProc().setStats(command.generating, command.flush);
      return null;
    case 'snapshots':
      return requireProc().snapshots();
    case 'survey':
      return requireProc().survey(command.state, command.ids);
    case 'timings':
      return requireProc().timings();
    case 'tally':
      return requireProc().tally();
    case 'usage': {
      if (command.gc) (globalThis as { gc?: () => void }).gc?.();
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      const usage = { pid: process.pid, devices: proc?.devices.size ?? 0, rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, cpuMicros: cpu.user + cpu.system, connected: proc?.survey({ kind: 'connected' }).matching ?? 0, lagP99Ms: lag.percentile(99) / 1e6, lagMaxMs: lag.max / 1e6 };
      lag.reset();
      return usage;
    }
    case 'stop':
      proc?.stop();
      // Let the reply out, then leave (sockets were force-closed).
      setTimeout(() => process.exit(0), 50).unref();
      return null;
  }
}

process.on('message', (raw: unknown) => {
  const id = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'number' ? raw.id : -1;
  try {
    send({ id, ok: true, result: handle(raw) });
  } catch (error) {
    send({ id, ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
process.on('disconnect', () => {
  proc?.stop();
  process.exit(0);
});
process.send?.(READY);
