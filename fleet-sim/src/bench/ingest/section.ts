/**
 * The ingest bench's report: its figures as the bench section's table and lines, with the goals.
 */
import { fixed, goal, table, withGoal } from '../report';
import type { HubRunFigures, IngestBenchFigures, RunFigures } from './figures';
import { RAW_RUNS } from './raw-broker';

export function ingestSection(figures: IngestBenchFigures): string {
  const { raw, hub, overload } = figures;
  const lossless = (f: HubRunFigures): boolean => f.stored === f.windows && f.received === f.windows && f.storedRows === f.sentRows && f.acked === f.windows;
  const cells = (f: RunFigures): string[] => [
    `${fixed(f.ackLatencyP50Ms, 0)} / ${fixed(f.ackLatencyP99Ms, 0)} ms`,
    `${fixed(f.loopDelayP99Ms, 0)} / ${fixed(f.loopDelayMaxMs, 0)} ms`,
    `${fixed(f.brokerCores, 2)} / ${fixed(f.publisherCores, 2)}`,
    String(f.disconnects),
  ];
  const hubRow = (name: string, f: HubRunFigures): string[] => [
    name,
    `${fixed(f.storedRate, 0)}/s`,
    `${fixed(f.rate, 0)}/s`,
    withGoal(String(f.ackedNotStored), goal('0', f.ackedNotStored === 0)),
    withGoal(`${f.stored}/${f.windows} (${f.duplicates} dup, ${f.refused} refused)`, goal('= sent', lossless(f))),
    `${fixed(f.cpuMicrosPerWindow, 0)} / ${fixed((f.mainBusySeconds * 1e6) / f.windows, 0)} us`,
    ...cells(f),
  ];
  const rows = [[`raw aedes, in-process subscriber doing nothing (best of ${RAW_RUNS})`, `${fixed(raw.rate, 0)}/s`, `${fixed(raw.rate, 0)}/s`, 'n/a', 'n/a', `${fixed((raw.cpuSeconds * 1e6) / raw.windows, 0)} / ${fixed((raw.mainBusySeconds * 1e6) / raw.windows, 0)} us`, ...cells(raw)], hubRow('hub (sustained, as fast as acknowledged)', hub)];
  if (overload) rows.push(hubRow(`hub offered ${fixed(overload.offeredRate, 0)}/s for ${fixed(overload.offeredSeconds, 1)} s`, overload));
  const lines = [
    `Statistics ingestion: ${figures.devices} mqtt.js devices in a child process, QoS 1, windows of ${figures.payloadBytes} B (packed encoding), each device at most its in-flight cap ahead of its PUBACKs; the broker (and hub) alone on this process's main thread`,
    table(['run', 'committed', 'PUBACKs', 'acked, not committed', 'stored windows', 'CPU / main thread per window', 'PUBACK p50 / p99', 'loop delay p99 / max', 'CPU broker / devices', 'disconnects'], rows),
    `hub committed / raw broker: ${withGoal(fixed(figures.ratio, 2), goal('>= 0.5', figures.ratio >= 0.5))}`,
  ];
  if (overload) {
    const held = overload.acceptedRateWhileOffered / hub.storedRate;
    lines.push(
      `offered ${fixed(overload.offeredRate / hub.storedRate, 1)}x the sustained rate: committed ${fixed(overload.acceptedRateWhileOffered, 0)}/s while offered (${withGoal(`${fixed(held, 2)}x sustained`, goal('>= 0.8x, no collapse', held >= 0.8))}), backlog committed ${fixed(overload.drainSeconds, 1)} s after the offer ended, HTTP p99 ${fixed(overload.httpP99Ms, 0)} ms, ${withGoal(lossless(overload) ? 'nothing lost or double counted' : 'LOSS OR DOUBLE COUNT', goal('no loss', lossless(overload)))}`,
    );
  }
  if (figures.storm) {
    const st = figures.storm;
    lines.push(
      `reconnect storm: ${st.devices} devices dropped and came back at once, each reporting its state and online: all committed ${fixed(st.seconds, 1)} s after the drop (connect p50 / p99 ${fixed(st.connectP50Ms, 0)} / ${fixed(st.connectP99Ms, 0)} ms, ${st.failed} failed), ${st.online} online after; hub loop delay p99 / max ${fixed(st.loopDelayP99Ms, 0)} / ${fixed(st.loopDelayMaxMs, 0)} ms, HTTP p99 ${fixed(st.httpP99Ms, 0)} ms`,
    );
  }
  return lines.join('\n');
}
