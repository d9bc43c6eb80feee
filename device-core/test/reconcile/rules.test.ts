import { describe, expect, it } from 'vitest';
import type { TensorJson } from '@edgefleet/protocol';
import { backoffDelay } from '../../src/retry/backoff';
import { checkProbe } from '../../src/reconcile/probe-check';
import { phaseOf } from '../../src/state/device-state';

const t = (data: number[], dims = [data.length]): TensorJson => ({ type: 'float32', dims, data });

describe('checkProbe', () => {
  const tol = { abs: 1e-3, rel: 1e-2 };
  it('accepts values within abs + rel * |expected|', () => {
    expect(checkProbe({ y: t([1, 100]) }, { y: t([1.0009, 100.9]) }, tol)).toEqual({ ok: true });
  });
  it('names the output and index that is off', () => {
    const verdict = checkProbe({ y: t([1, 2]) }, { y: t([1, 2.5]) }, tol);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toContain('y[1]');
  });
  it('fails on a missing output and on other dims', () => {
    expect(checkProbe({ y: t([1]) }, {}, tol).ok).toBe(false);
    expect(checkProbe({ y: t([1, 2], [1, 2]) }, { y: t([1, 2], [2, 1]) }, tol).ok).toBe(false);
  });
  it('ignores outputs the manifest does not pin', () => {
    expect(checkProbe({ y: t([1]) }, { y: t([1]), extra: t([9]) }, tol).ok).toBe(true);
  });
});

describe('phaseOf', () => {
  const target = { model: 'm', version: '1', sha256: 'a'.repeat(64) };
  it('derives the reported phase from one activity value', () => {
    expect(phaseOf({ kind: 'installing', stage: 'probing', seq: 1, target }, true, null)).toBe('probing');
    expect(phaseOf({ kind: 'settled' }, true, null)).toBe('serving');
    expect(phaseOf({ kind: 'settled' }, false, null)).toBe('idle');
    expect(phaseOf({ kind: 'settled' }, false, { seq: 1, sha256: '', error: { code: 'E_LOAD_FAILED', message: '' }, transient: false })).toBe('failed');
  });
});

describe('backoffDelay', () => {
  it('doubles and caps, with jitter down to half', () => {
    const policy = { baseMs: 100, maxMs: 1000 };
    expect(backoffDelay(0, policy, () => 1)).toBe(100);
    expect(backoffDelay(3, policy, () => 1)).toBe(800);
    expect(backoffDelay(10, policy, () => 1)).toBe(1000);
    expect(backoffDelay(10, policy, () => 0)).toBe(500);
  });
});
