/**
 * Makes a connection kill itself when an MQTT packet's fixed header announces more than the
 * limit, before the packet's body is buffered by aedes' parser.
 *
 * It checks each chunk where the connection hands it to its readers (`push`: what a TCP socket
 * and the `ws` stream call with every chunk read) instead of piping through a Transform: a
 * Transform plus the Duplex joining it to the socket cost 14 KB of memory per connection, half
 * of what aedes itself needs (PERF: hub memory per connected device).
 */
import type { Duplex } from 'node:stream';
import { MqttFrameGuard } from '@edgefleet/protocol';

export function withPacketSizeLimit<T extends Duplex>(conn: T, maxPacketBytes: number, onViolation: (reason: string) => void): T {
  const guard = new MqttFrameGuard(maxPacketBytes);
  const push = conn.push;
  conn.push = function guardedPush(this: T, chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk !== null && chunk !== undefined && !conn.destroyed) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk instanceof Uint8Array ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : null;
      const verdict = bytes ? guard.push(bytes) : { ok: false as const, reason: 'a chunk that is not bytes' };
      if (!verdict.ok) {
        onViolation(verdict.reason);
        conn.destroy(new Error(verdict.reason));
        return false;
      }
    }
    return push.call(this, chunk, encoding);
  };
  return conn;
}
