/** The readable views of rollouts and training runs: what a watch prints, within 80 columns. */
import { describe, expect, it } from 'vitest';
import type { Rollout, TrainingRun } from '../src/api-types';
import { isSettled, outcomeLine, rolloutsTable, rolloutView, stepTarget, waitingHint, watchLine } from '../src/views/rollouts';
import { progressLine, runOutcome, runView } from '../src/views/training';

const AT = '2026-11-25T10:00:00.000Z';
const ID = '0b6f1c2e-5a1d-4c7e-9f00-1234567890ab';

// Built loosely and cast: newer hubs add fields (warnings) this fixture does not need.
const rollout = (over: Partial<Rollout> = {}): Rollout =>
  ({
    id: ID,
    model: 'sensor-anomaly',
    version: '2',
    state: 'running',
    step: 1,
    stepStartedAt: AT,
    halt: null,
    reverted: false,
    plan: {
      steps: [
        { kind: 'ring', ring: 'canary', percent: 100, successThreshold: 0.9, maxFailures: 0.1, deadlineMinutes: 60, shadow: false },
        { kind: 'approve', note: 'look at the canary first' },
        { kind: 'gate', metrics: [{ metric: 'error-rate', max: 0.02, maxVsControl: 2 }], maxFailed: 0, maxInconclusive: 0, deadlineMinutes: 60 },
        { kind: 'ring', ring: '*', percent: 50, successThreshold: 0.9, maxFailures: 0.1, deadlineMinutes: 60, shadow: false },
      ],
      autoRollback: true,
    },
    steps: [
      { index: 0, kind: 'ring', state: 'done', devices: { serving: 6 } },
      { index: 1, kind: 'approve', state: 'current' },
      { index: 2, kind: 'gate', state: 'waiting' },
      { index: 3, kind: 'ring', state: 'waiting' },
    ],
    devices: { serving: 6, pending: 0 },
    members: [],
    gate: { verdict: 'pass', metrics: [{ metric: 'error-rate', outcome: 'pass', value: 0.001, control: 0.002, evidence: 'error rate 0.1% over 1,200 requests (control 0.2% over 3,000): within 2x'.repeat(2) }], failed: [], inconclusive: [] },
    supersedes: null,
    supersededBy: null,
    createdBy: 'admin',
    createdAt: AT,
    updatedAt: AT,
    ...over,
  }) as Rollout;

const run = (over: Partial<TrainingRun> = {}): TrainingRun => ({
  id: ID,
  status: 'running',
  stage: 'training',
  progress: 0.45,
  dataset: { id: 'a'.repeat(64), name: 'sensors' },
  task: 'anomaly',
  target: 'label',
  trainer: 'autoencoder',
  model: 'sensor-anomaly',
  metric: { name: 'rocAuc', value: null, baseline: null, beatsBaseline: null },
  resultVersion: null,
  error: null,
  createdAt: AT,
  startedAt: AT,
  finishedAt: null,
  durationMs: null,
  request: {},
  params: null,
  metrics: null,
  baselineMetrics: null,
  epochs: [{ epoch: 12, loss: 0.01234, valLoss: 0.02346 }],
  trials: [],
  codeVersion: 'test',
  ...over,
});

describe('views', () => {
  it('a rollout: steps described, one watch line, a hint when it waits for a person, how it ended', () => {
    const r = rollout();
    expect(r.plan.steps.map(stepTarget)).toEqual(['ring canary', 'look at the canary first', 'error-rate', 'fleet 50%']);
    expect(watchLine(r)).toBe('running     step 2/4 approve look at the canary first | devices: serving 6');
    expect(waitingHint(r)).toBe(`waiting for approval: edgefleet rollouts advance ${ID}`);
    expect(waitingHint(rollout({ state: 'paused' }))).toBe(`paused: resume with  edgefleet rollouts resume ${ID}`);
    const view = rolloutView(r, 80);
    expect(view.every((l) => l.length <= 80)).toBe(true);
    expect(view).toContain('Latest gate: pass');
    expect(rolloutsTable([r], 80)[1]).toMatch(/^0b6f1c2e +sensor-anomaly@2 +running +2\/4 +serving 6 +11-25 10:00$/);
    expect([isSettled('running'), isSettled('halted'), isSettled('completed')]).toEqual([false, true, true]);
    expect(outcomeLine(rollout({ state: 'halted', halt: { reason: 'gate failed: error-rate', at: AT } }))).toBe(`Rollout ${ID} halted at step 2: gate failed: error-rate. Resume, abort or roll it back.`);
    expect(watchLine(rollout({ state: 'completed', step: 4 }))).toBe('completed   all 4 steps done | devices: serving 6');
  });

  it('a training run: progress lines, its detail and how it ended', () => {
    expect(progressLine(run())).toBe('[ 45%] training epoch 12 loss 0.0123 val 0.0235');
    expect(progressLine(run({ stage: 'queued', progress: 0, epochs: [] }))).toBe('[  0%] queued');
    expect(runView(run(), 80).every((l) => l.length <= 80)).toBe(true);
    const done = run({ status: 'succeeded', resultVersion: { model: 'sensor-anomaly', version: '1' }, metric: { name: 'rocAuc', value: 0.98, baseline: 0.5, beatsBaseline: true }, metrics: { rocAuc: 0.98, f1: 0.9 } });
    expect(runOutcome(done)).toEqual([`Run ${ID} succeeded: sensor-anomaly@1, rocAuc 0.98 (baseline 0.5).`, 'Test metrics: rocAuc 0.98, f1 0.9']);
    expect(runOutcome(run({ status: 'failed', error: { code: 'E_PARITY', message: 'outputs differ' } }))).toEqual([`Run ${ID} failed: E_PARITY outputs differ.`]);
  });
});
