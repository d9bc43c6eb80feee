import { describe, expect, it } from 'vitest';
import type { ReportedState } from '@edgefleet/protocol';
import { isStaleReport, notableChanges, summarizeReport } from '../../src/core/reported-state';

const state = (overrides: Partial<ReportedState> = {}): ReportedState => ({
  device: 'd',
  seq: 2,
  phase: 'serving',
  active: { model: 'vad', version: '1', sha256: 'a'.repeat(64) },
  previous: null,
  error: null,
  agent: { version: '0.1.0', runtime: '1.30.0' },
  at: '2030-01-01T00:00:10.000Z',
  ...overrides,
});

describe('reported state rules', () => {
  it('orders by seq, then by time', () => {
    expect(isStaleReport(null, state())).toBe(false);
    expect(isStaleReport(state(), state({ seq: 1, at: '2031-01-01T00:00:00.000Z' }))).toBe(true);
    expect(isStaleReport(state(), state({ seq: 3, at: '2029-01-01T00:00:00.000Z' }))).toBe(false);
    expect(isStaleReport(state(), state({ at: '2030-01-01T00:00:09.000Z' }))).toBe(true);
  });

  it('names what changed', () => {
    expect(notableChanges(state(), state({ at: '2030-01-01T00:01:00.000Z' }))).toEqual([]);
    expect(notableChanges(null, state())).toEqual(['phase', 'active']);
    expect(notableChanges(state(), state({ phase: 'failed', error: { code: 'E_LOAD_FAILED', message: 'x' } }))).toEqual(['phase', 'error']);
    const shadow = { model: 'vad', version: '2', sha256: 'b'.repeat(64) };
    expect(notableChanges(state(), state({ shadow }))).toEqual(['shadow']);
    expect(notableChanges(state({ shadow }), state({ shadow: null }))).toEqual(['shadow']);
    expect(notableChanges(state(), state({ shadow: null }))).toEqual([]);
  });
});

describe('summarizeReport: what the rollout controller reads of a stored report', () => {
  it('takes seq, phase, active, error code and shadow from a stored report', () => {
    const shadow = { model: 'vad', version: '3', sha256: 'c'.repeat(64) };
    const stored = JSON.parse(JSON.stringify(state({ seq: 7, phase: 'failed', error: { code: 'E_PROBE_FAILED', message: 'probe failed' }, shadow }))) as unknown;
    expect(summarizeReport(stored)).toEqual({ seq: 7, phase: 'failed', active: { model: 'vad', version: '1' }, error: 'E_PROBE_FAILED', shadow: { model: 'vad', version: '3' } });
  });

  it('a report without shadow (an older agent) or with nothing serving reads as null there', () => {
    const { shadow: _omitted, ...older } = state({ active: null });
    expect(summarizeReport(older)).toEqual({ seq: 2, phase: 'serving', active: null, error: null, shadow: null });
  });

  it('anything without a numeric seq and a phase is no report; fields of the wrong type read as absent', () => {
    for (const bad of [null, 'text', 42, [], {}, { seq: '2', phase: 'serving' }, { seq: 2 }]) expect(summarizeReport(bad)).toBeNull();
    expect(summarizeReport({ seq: 1, phase: 'serving', active: { model: 5, version: '1' }, error: { code: 9 }, shadow: 'x' })).toEqual({ seq: 1, phase: 'serving', active: null, error: null, shadow: null });
  });
});
