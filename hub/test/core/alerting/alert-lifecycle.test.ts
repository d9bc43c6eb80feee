import { describe, expect, it } from 'vitest';
import { alertTransition, type OpenAlertState } from '../../../src/core/alert-lifecycle';

const open = (over: Partial<OpenAlertState> = {}): OpenAlertState => ({ severity: 'drift', signals: ['x1'], alarmingEvaluations: 1, quietEvaluations: 0, ...over });

describe('alertTransition', () => {
  it('does nothing without an alert or a finding', () => {
    expect(alertTransition(null, { severity: null, signals: [] })).toEqual({ action: 'none' });
  });

  it('opens an alert on a finding, signals sorted', () => {
    expect(alertTransition(null, { severity: 'warning', signals: ['x2', 'x1'] })).toEqual({
      action: 'open',
      state: { severity: 'warning', signals: ['x1', 'x2'], alarmingEvaluations: 1, quietEvaluations: 0 },
      notify: 'alert.opened',
    });
  });

  it('updates silently while the same drift goes on, and resets the quiet count', () => {
    const t = alertTransition(open({ quietEvaluations: 2 }), { severity: 'drift', signals: ['x1'] });
    expect(t).toEqual({ action: 'update', state: open({ alarmingEvaluations: 2, quietEvaluations: 0 }), notify: null });
  });

  it('escalates on a new signal or a higher severity, keeping the signals seen so far', () => {
    expect(alertTransition(open(), { severity: 'drift', signals: ['x3'] })).toMatchObject({ action: 'update', notify: 'alert.escalated', state: { signals: ['x1', 'x3'] } });
    expect(alertTransition(open({ severity: 'warning' }), { severity: 'drift', signals: ['x1'] })).toMatchObject({ action: 'update', notify: 'alert.escalated', state: { severity: 'drift' } });
  });

  it('keeps a drift alert a drift alert when the finding calms to warning (no flapping)', () => {
    expect(alertTransition(open(), { severity: 'warning', signals: ['x1'] })).toMatchObject({ action: 'update', notify: null, state: { severity: 'drift' } });
  });

  it('resolves after the policy number of quiet evaluations in a row', () => {
    let state = open();
    const first = alertTransition(state, { severity: null, signals: [] });
    expect(first).toMatchObject({ action: 'update', notify: null, state: { quietEvaluations: 1 } });
    if (first.action !== 'update') throw new Error('expected an update');
    state = first.state;
    const second = alertTransition(state, { severity: null, signals: [] });
    if (second.action !== 'update') throw new Error('expected an update');
    expect(alertTransition(second.state, { severity: null, signals: [] })).toEqual({ action: 'resolve', notify: 'alert.resolved' });
    expect(alertTransition(open(), { severity: null, signals: [] }, { resolveAfter: 1 })).toEqual({ action: 'resolve', notify: 'alert.resolved' });
  });
});
