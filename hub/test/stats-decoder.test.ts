/**
 * The statistics decode workers give exactly what decoding on the main thread gives: the same
 * window for a valid payload (packed or canonical), the same refusal code for a bad one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ProtocolError, decodeStatsWindow, encodeStatsWindow, type StatsWindow } from '@edgefleet/protocol';
import { workerStatsDecoder, type DecodedStats } from '../src/services/stats-decoder';
import { silentLogger } from './support';

const binned = (counts: number[], sum: number): StatsWindow['latencyMs'] => ({ counts, underflow: 1, overflow: 0, missing: 2, sum, sumSq: sum * 3.25, min: -1.5, max: 7.123456789 });

const window: StatsWindow = {
  msgId: 'msg-decoder-0001',
  device: 'dev-1',
  model: 'm',
  version: '1',
  sha256: 'b'.repeat(64),
  windowStart: '2026-12-03T12:00:00.000Z',
  windowEnd: '2026-12-03T12:01:00.000Z',
  n: 12,
  errors: { E_INFERENCE: 1 },
  latencyMs: binned([3, 9], 41.5),
  features: [
    { kind: 'numeric', ...binned([4, 8], 0.1 + 0.2) },
    { kind: 'categorical', counts: [5, 7], unseen: 0, missing: 0 },
  ],
  outputs: [{ kind: 'class', counts: [6, 6], confidence: binned([2, 10], 9.5) }],
  ood: { score: binned([11, 1], 3), aboveP95: 1, aboveP99: 0 },
};

describe('stats decode workers', () => {
  const decoder = workerStatsDecoder(silentLogger, { workers: 1 });
  afterAll(() => decoder.close());

  /** The first call starts the worker and answers null until it is up: asked again until it answers. */
  const decode = async (payloads: Uint8Array[]): Promise<DecodedStats[]> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const answer = decoder.decode(payloads);
      if (answer) return answer;
      if (Date.now() > deadline) throw new Error('the decode worker did not start');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('decodes what the main thread decodes, and refuses what it refuses, with the same code', async () => {
    const inline = (bytes: Uint8Array): DecodedStats => {
      try {
        return { window: decodeStatsWindow(bytes, 'stats') };
      } catch (error) {
        if (error instanceof ProtocolError) return { error };
        throw error;
      }
    };
    const payloads = [
      encodeStatsWindow(window),
      new TextEncoder().encode(JSON.stringify(window)),
      new TextEncoder().encode('{"v":1,'),
      new TextEncoder().encode(JSON.stringify({ ...window, n: -1 })),
      new TextEncoder().encode(JSON.stringify({ v: 99 })),
    ];
    const results = await decode(payloads);
    expect(results).toHaveLength(payloads.length);
    for (const [i, payload] of payloads.entries()) {
      const expected = inline(payload);
      const got = results[i];
      if (expected && 'window' in expected) expect(got).toEqual(expected);
      else if (expected && 'error' in expected) expect(got && 'error' in got ? { code: got.error.code, message: got.error.message } : got).toEqual({ code: expected.error.code, message: expected.error.message });
    }
    expect(results.map((r) => (r && 'error' in r ? r.error.code : 'ok'))).toEqual(['ok', 'ok', 'E_BAD_JSON', 'E_SCHEMA', 'E_SCHEMA']);
  });

  it('after close, the caller decodes on its own thread', async () => {
    await decoder.close();
    expect(decoder.decode([encodeStatsWindow(window)])).toBeNull();
  });
});
