/** Shared test fixtures of the protocol package. */
import { ProtocolError, type BinnedStats, type ErrorCode, type StatsWindow } from '@edgefleet/protocol';

export const binned = (counts: number[], sum: number, min: number | null, max: number | null): BinnedStats => ({ counts, underflow: 1, overflow: 3, missing: 2, sum, sumSq: sum * sum + 0.1234567890123456, min, max });

/** A window with every optional part and floats that need all 17 digits. */
export const richWindow: StatsWindow = {
  msgId: 'win-0001',
  device: 'dev-1',
  model: 'm',
  version: '1',
  sha256: 'a'.repeat(64),
  windowStart: '2026-11-25T10:00:00.000Z',
  windowEnd: '2026-11-25T10:01:00.000Z',
  n: 10,
  errors: { E_SCHEMA: 1 },
  latencyMs: binned([5, 5], 3.141592653589793, 0.1, 0.9),
  features: [
    { kind: 'numeric', ...binned([4, 6], -10.000000000000002, -0.10000000149011612, 2.5) },
    { kind: 'categorical', counts: [7, 3], unseen: 1, missing: 0 },
    { kind: 'numeric', ...binned([0, 0], 0, null, null) },
  ],
  outputs: [
    { kind: 'class', counts: [8, 2], confidence: binned([1, 9], 8.123456789012345, 0.5, 1) },
    { kind: 'numeric', ...binned([3], 1e-20, -1e300, 1.2345678901234567e-7) },
  ],
  ood: { score: binned([9, 1], 2, 0, 3), aboveP95: 1, aboveP99: 0 },
  merged: 2,
  lost: 1,
  shadow: { model: 'm', version: '2', sha256: 'c'.repeat(64), n: 9, agree: 7, errors: { E_INFERENCE: 1 }, latencyMs: binned([6, 3], 1.2345678901234567, 0.1, 0.30000000000000004), dropped: 2 },
};

/** A small seeded generator (mulberry32), so varied cases are the same on every run. */
export { mulberry32 as seeded } from '@edgefleet/protocol';

/** The ProtocolError code a promise rejects with, or 'ok' when it resolves; anything else is rethrown. */
export async function codeOf(promise: Promise<unknown>): Promise<ErrorCode | 'ok'> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
}
