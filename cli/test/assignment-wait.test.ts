import { describe, expect, it } from 'vitest';
import { assignmentProgress, type ReportedState } from '../src/assignment-wait';

const wanted = { model: 'vad', version: '2', seq: 7, shadow: null };
const state = (over: Partial<ReportedState>): ReportedState => ({ seq: 7, phase: 'serving', active: { model: 'vad', version: '2' }, shadow: null, error: null, ...over });

describe('assignmentProgress', () => {
  it('is done once a report at the seq shows the version serving (and the shadow, when asked)', () => {
    expect(assignmentProgress(state({}), wanted)).toEqual({ done: true });
    expect(assignmentProgress(state({ seq: 9 }), wanted)).toEqual({ done: true });
    const withShadow = { ...wanted, shadow: { model: 'vad', version: '2-int8' } };
    expect(assignmentProgress(state({}), withShadow)).toMatchObject({ done: false, failed: null });
    expect(assignmentProgress(state({ shadow: { model: 'vad', version: '2-int8' } }), withShadow)).toEqual({ done: true });
  });

  it('waits on older reports and unfinished installs, fails on an install error', () => {
    expect(assignmentProgress(null, wanted)).toMatchObject({ done: false, failed: null });
    expect(assignmentProgress(state({ seq: 6, active: { model: 'vad', version: '1' } }), wanted)).toMatchObject({ done: false, failed: null });
    expect(assignmentProgress(state({ phase: 'probing', active: { model: 'vad', version: '1' } }), wanted)).toMatchObject({ done: false, failed: null });
    expect(assignmentProgress(state({ phase: 'serving', active: { model: 'vad', version: '1' }, error: { code: 'E_PROBE_FAILED', message: 'outputs differ' } }), wanted)).toEqual({
      done: false,
      failed: 'E_PROBE_FAILED outputs differ',
      waitingFor: '',
    });
  });
});
