/**
 * How the ingest bench measures a run in the broker's process: event-loop delay, CPU and
 * main-thread busy time around it, and the run's figures from the publisher's report.
 */
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import type { RunFigures } from './figures';
import type { ChildMessage } from './messages';

export const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

export function figuresOf(done: Extract<ChildMessage, { type: 'done' }>, loop: Probe): RunFigures {
  const seconds = (done.lastAckAt - done.firstPublishAt) / 1000;
  const cpu = process.cpuUsage(loop.cpu);
  const wallSeconds = (performance.now() - loop.startedAt) / 1000;
  const latencies = [...done.latencies].sort((a, b) => a - b);
  return {
    windows: done.published,
    acked: done.acked,
    seconds,
    rate: done.acked / seconds,
    ackLatencyP50Ms: quantile(latencies, 0.5),
    ackLatencyP99Ms: quantile(latencies, 0.99),
    disconnects: done.disconnects,
    brokerCores: (cpu.user + cpu.system) / 1e6 / wallSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    mainBusySeconds: performance.eventLoopUtilization(loop.elu).active / 1000,
    publisherCores: done.cpuSeconds / seconds,
    loopDelayP99Ms: loop.delay.percentile(99) / 1e6,
    loopDelayMaxMs: loop.delay.max / 1e6,
  };
}

export interface Probe {
  delay: ReturnType<typeof monitorEventLoopDelay>;
  cpu: NodeJS.CpuUsage;
  startedAt: number;
  elu: EventLoopUtilization;
}

export async function measured<T>(fn: (probe: Probe) => Promise<T>): Promise<T> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  try {
    return await fn({ delay, cpu: process.cpuUsage(), startedAt: performance.now(), elu: performance.eventLoopUtilization() });
  } finally {
    delay.disable();
  }
}
