/**
 * Tracks MQTT fixed headers across a byte stream so an oversized packet is refused from its
 * header, before its body is buffered: the hub's embedded broker (aedes has no maximum packet
 * size of its own, THREATS "Broker hardening") and the agent (mqtt.js has none either, issue 16
 * item 6) both use it. MQTT 3.1.1 section 2.2.3: remaining length is a 1-4 byte varint. Pure.
 */
type GuardState =
  | { kind: 'type' }
  | { kind: 'length'; value: number; multiplier: number; bytes: number }
  | { kind: 'body'; remaining: number };

export type GuardVerdict = { ok: true } | { ok: false; reason: string };

export class MqttFrameGuard {
  private state: GuardState = { kind: 'type' };

  constructor(private readonly maxPacketBytes: number) {}

  push(chunk: Uint8Array): GuardVerdict {
    let i = 0;
    while (i < chunk.length) {
      const state = this.state;
      switch (state.kind) {
        case 'type':
          i++;
          this.state = { kind: 'length', value: 0, multiplier: 1, bytes: 0 };
          break;
        case 'length': {
          const byte = chunk[i++] ?? 0;
          const value = state.value + (byte & 0x7f) * state.multiplier;
          const bytes = state.bytes + 1;
          if (byte & 0x80) {
            if (bytes >= 4) return { ok: false, reason: 'malformed remaining length' };
            this.state = { kind: 'length', value, multiplier: state.multiplier * 128, bytes };
            break;
          }
          const packetBytes = 1 + bytes + value;
          if (packetBytes > this.maxPacketBytes) {
            return { ok: false, reason: `packet of ${packetBytes} bytes exceeds the limit of ${this.maxPacketBytes}` };
          }
          this.state = value === 0 ? { kind: 'type' } : { kind: 'body', remaining: value };
          break;
        }
        case 'body': {
          const take = Math.min(state.remaining, chunk.length - i);
          i += take;
          const remaining = state.remaining - take;
          this.state = remaining === 0 ? { kind: 'type' } : { kind: 'body', remaining };
          break;
        }
      }
    }
    return { ok: true };
  }
}
