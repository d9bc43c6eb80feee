import { describe, expect, it } from 'vitest';
import { MqttFrameGuard } from '../../src/core/mqtt-frame-guard';

/** A PUBLISH-like packet: type byte, varint remaining length, body. */
function packet(bodyLength: number): Uint8Array {
  const length: number[] = [];
  let n = bodyLength;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    length.push(byte);
  } while (n > 0);
  return Uint8Array.from([0x30, ...length, ...new Array<number>(bodyLength).fill(7)]);
}

describe('MqttFrameGuard', () => {
  it('passes packets up to the limit, even split byte by byte', () => {
    const guard = new MqttFrameGuard(200);
    const bytes = Uint8Array.from([...packet(100), ...packet(0), ...packet(197)]);
    for (const byte of bytes) expect(guard.push(Uint8Array.of(byte)).ok).toBe(true);
  });

  it('refuses a packet from its header alone', () => {
    const guard = new MqttFrameGuard(1024);
    const header = packet(5000).subarray(0, 3);
    const verdict = guard.push(header);
    expect(verdict).toMatchObject({ ok: false });
  });

  it('tracks boundaries across chunks', () => {
    const guard = new MqttFrameGuard(100);
    const first = packet(50);
    const second = packet(500);
    const stream = Uint8Array.from([...first, ...second.subarray(0, 3)]);
    expect(guard.push(stream.subarray(0, 20)).ok).toBe(true);
    expect(guard.push(stream.subarray(20)).ok).toBe(false);
  });

  it('refuses a malformed remaining length', () => {
    expect(new MqttFrameGuard(1 << 30).push(Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01)).ok).toBe(false);
  });
});
