/**
 * A hub in a process of its own, for benchmarks (hub-process.ts drives it): the fleet's parent
 * then never shares the hub's event loop. Messages: {start: options} -> {urls}, {stop} -> {stopped}.
 */
import { startHub, type Hub } from '@edgefleet/hub';

let hub: Hub | null = null;
const log = (message: string, fields?: object) => process.stderr.write(`hub: ${message}${fields ? ` ${JSON.stringify(fields).slice(0, 300)}` : ''}\n`);
const logger = { debug: () => {}, info: () => {}, warn: log, error: log };

process.on('message', (message: { start?: { dataDir: string; httpPort: number; mqttPort: number; adminToken: string } ; stop?: true }) => {
  void (async () => {
    try {
      if (message.start) {
        hub = await startHub({ ...message.start, host: '127.0.0.1', logger });
        process.send?.({ urls: { httpUrl: hub.httpUrl, mqttUrl: hub.mqttUrl } });
      } else if (message.stop) {
        await hub?.close();
        hub = null;
        process.send?.({ stopped: true });
      }
    } catch (error) {
      process.send?.({ error: error instanceof Error ? error.message : String(error) });
    }
  })();
});
process.on('disconnect', () => void hub?.close().finally(() => process.exit(0)));
process.send?.('ready');
