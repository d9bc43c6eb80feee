/**
 * Wraps a connection so that an MQTT packet whose fixed header announces more than the limit
 * kills the connection before its body is buffered by aedes' parser.
 */
import { Duplex, Transform, pipeline } from 'node:stream';
import { MqttFrameGuard } from '../../core/mqtt-frame-guard';

export function withPacketSizeLimit(conn: Duplex, maxPacketBytes: number, onViolation: (reason: string) => void): Duplex {
  const guard = new MqttFrameGuard(maxPacketBytes);
  const checked = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const verdict = guard.push(chunk);
      if (!verdict.ok) {
        onViolation(verdict.reason);
        callback(new Error(verdict.reason));
        return;
      }
      callback(null, chunk);
    },
  });
  // pipeline destroys the socket when the guard fails, and the guard when the socket goes away.
  pipeline(conn, checked, () => undefined);
  return Duplex.from({ readable: checked, writable: conn });
}
