/**
 * The ingest bench's baseline: a bare aedes with a subscriber that does nothing, which the same
 * devices and payloads are published to before the hub is measured.
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';

/** raw broker runs; the fastest is the baseline */
export const RAW_RUNS = 3;

/** A plain aedes, no authentication, and an in-process subscriber that acknowledges at once. */
export async function rawBroker(): Promise<{ url: string; close(): Promise<void> }> {
  const aedes = await Aedes.createBroker();
  await new Promise<void>((resolveSub) => aedes.subscribe('ef/v1/d/+/stats', (_packet, done) => done(), () => resolveSub()));
  // Sockets as the embedded broker has them (Nagle on): the same broker, minus the hub.
  const server: Server = createServer((socket) => aedes.handle(socket));
  await new Promise<void>((resolveListen) => server.listen({ port: 0, host: '127.0.0.1', backlog: 8192 }, () => resolveListen()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolveClose) => aedes.close(() => resolveClose()));
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}
