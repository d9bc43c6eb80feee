/**
 * A maximum size for the MQTT packets the agent reads (issue 16 item 6). mqtt.js has none: its
 * parser buffers a packet whole before handing it over, so a broker announcing 100 MB got 100 MB
 * into memory (171 -> 544 MB RSS). Here every connection mqtt.js opens checks each chunk where
 * the socket hands it to its readers (`push`, what TCP, TLS and the `ws` stream call per chunk
 * read), and the connection is destroyed as soon as a fixed header announces more than the
 * limit, before its body is read (protocol mqtt-frame-guard.ts). The hub's embedded broker
 * guards its connections the same way (hub adapters/broker/packet-size-guard.ts).
 */
import type { MqttClient } from 'mqtt';
import { MqttFrameGuard } from '@edgefleet/protocol';

type ClientStream = MqttClient['stream'];

function guardStream(stream: ClientStream, maxPacketBytes: number, onViolation: (reason: string) => void): ClientStream {
  const guard = new MqttFrameGuard(maxPacketBytes);
  const push = stream.push;
  stream.push = function guardedPush(this: ClientStream, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null && chunk !== undefined && !stream.destroyed) {
      const bytes = chunk instanceof Uint8Array ? chunk : typeof chunk === 'string' ? new TextEncoder().encode(chunk) : null;
      const verdict = bytes ? guard.push(bytes) : { ok: false as const, reason: 'a chunk that is not bytes' };
      if (!verdict.ok) {
        onViolation(verdict.reason);
        stream.destroy(new Error(verdict.reason));
        return false;
      }
    }
    return push.call(this, chunk, encoding);
  };
  return stream;
}

/**
 * Guards every connection `client` opens from now on. Call it on a client made with
 * `manualConnect: true`, before `connect()`: mqtt.js builds each connection's stream inside
 * connect() and reconnects and assigns it to `client.stream` before reading from it, and that
 * assignment is the one place a stream passes through on its way to the parser (the builder is
 * private), so the property is replaced by one that guards what is assigned.
 */
export function limitIncomingPackets(client: MqttClient, maxPacketBytes: number, onViolation: (reason: string) => void): void {
  let current = client.stream;
  Object.defineProperty(client, 'stream', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (stream: ClientStream) => {
      current = guardStream(stream, maxPacketBytes, onViolation);
    },
  });
}
