/** One step of the plan in the create form: the fields of its kind, and moving or removing it. */
import { metricsOf, METRICS, withField, type DraftStep } from './draft';
import { CheckField, FieldMessages, FieldRow, fieldId, NumberField, SelectField, TextField } from './fields';
import type { Messages } from './messages';

/** The paths a step's fields show messages at (a message about anything else moves up to the step). */
export function stepAnchors(step: DraftStep, index: number): string[] {
  const at = `plan.steps.${index}`;
  const fields: Record<DraftStep['kind'], string[]> = {
    ring: ['ring', 'percent', 'successThreshold', 'maxFailures', 'deadlineMinutes', 'shadow', 'traffic'],
    bake: ['minutes', 'minReporting'],
    gate: ['metrics', 'maxFailed', 'maxInconclusive', 'deadlineMinutes'],
    approve: ['note'],
  };
  const metrics = step.kind === 'gate' ? metricsOf(step).flatMap((_, j) => [`${at}.metrics.${j}`, ...['metric', 'min', 'max', 'maxVsControl', 'minSamples'].map((f) => `${at}.metrics.${j}.${f}`)]) : [];
  return [at, `${at}.kind`, ...fields[step.kind].map((f) => `${at}.${f}`), ...metrics];
}

interface StepEditorProps {
  step: DraftStep;
  index: number;
  count: number;
  rings: readonly string[];
  messages: Messages;
  onChange: (step: DraftStep) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}

export function StepEditor({ step, index, count, rings, messages, onChange, onMove, onRemove }: StepEditorProps) {
  const at = `plan.steps.${index}`;
  const set = (field: string) => (value: unknown) => onChange(withField(step, field, value));
  const number = (field: string, label: string, hint?: string) => <NumberField path={`${at}.${field}`} label={label} messages={messages} value={step[field]} onChange={set(field)} {...(hint ? { hint } : {})} />;
  const title = `Step ${index + 1}: ${step.kind}`;
  return (
    <fieldset id={fieldId(at)} tabIndex={-1} class={`plan-step${messages.has(at) || [...messages.keys()].some((k) => k.startsWith(`${at}.`)) ? ' has-errors' : ''}`}>
      <legend>{title}</legend>
      <div class="step-tools">
        <button type="button" class="quiet" disabled={index === 0} onClick={() => onMove(-1)} aria-label={`Move step ${index + 1} up`}>↑</button>
        <button type="button" class="quiet" disabled={index === count - 1} onClick={() => onMove(1)} aria-label={`Move step ${index + 1} down`}>↓</button>
        <button type="button" class="quiet" onClick={onRemove} aria-label={`Remove step ${index + 1}`}>Remove</button>
      </div>
      <FieldMessages path={at} messages={messages} />
      <FieldMessages path={`${at}.kind`} messages={messages} />
      {step.kind === 'ring' ? (
        <FieldRow>
          <SelectField
            path={`${at}.ring`}
            label="Ring"
            messages={messages}
            value={typeof step.ring === 'string' ? step.ring : ''}
            // A ring the plan names that does not exist stays selectable, so the hub can say so.
            options={[{ value: '*', label: 'every ring (*)' }, ...[...new Set([...rings, ...(typeof step.ring === 'string' && step.ring !== '*' ? [step.ring] : [])])].map((r) => ({ value: r, label: r }))]}
            onChange={set('ring')}
          />
          {number('percent', 'Percent of its devices')}
          {number('successThreshold', 'Success threshold (0-1)', 'share of the step’s devices that must serve the new version to go on')}
          {number('maxFailures', 'Max failures (0-1)', 'share of failed installs that halts the rollout')}
          {number('deadlineMinutes', 'Deadline (min)')}
          <CheckField path={`${at}.shadow`} label="Shadow" messages={messages} value={step.shadow} onChange={set('shadow')} />
          {number('traffic', 'Traffic share (%)', 'ramp-up: the new version answers this percent of each device’s requests beside the old one; empty: all of them')}
        </FieldRow>
      ) : null}
      {step.kind === 'bake' ? (
        <FieldRow>
          {number('minutes', 'Bake (min)')}
          {number('minReporting', 'Devices reporting', 'at least this many devices sending statistics on the new version')}
        </FieldRow>
      ) : null}
      {step.kind === 'gate' ? <GateFields step={step} number={index + 1} messages={messages} onChange={onChange} /> : null}
      {step.kind === 'approve' ? (
        <FieldRow>
          <TextField path={`${at}.note`} label="Note for the approver" messages={messages} value={step.note} onChange={set('note')} />
        </FieldRow>
      ) : null}
    </fieldset>
  );
}

function GateFields({ step, number, messages, onChange }: { step: DraftStep; number: number; messages: Messages; onChange: (step: DraftStep) => void }) {
  const at = `plan.steps.${number - 1}`;
  const metrics = metricsOf(step);
  const setMetric = (j: number, field: string, value: unknown) => onChange({ ...step, metrics: metrics.map((m, k) => (k === j ? withField(m, field, value) : m)) });
  return (
    <>
      <FieldRow>
        <NumberField path={`${at}.maxFailed`} label="Failing metrics tolerated" messages={messages} value={step.maxFailed} onChange={(v) => onChange(withField(step, 'maxFailed', v))} step="1" />
        <NumberField path={`${at}.maxInconclusive`} label="Inconclusive tolerated" messages={messages} value={step.maxInconclusive} onChange={(v) => onChange(withField(step, 'maxInconclusive', v))} step="1" />
        <NumberField path={`${at}.deadlineMinutes`} label="Deadline (min)" messages={messages} value={step.deadlineMinutes} onChange={(v) => onChange(withField(step, 'deadlineMinutes', v))} />
      </FieldRow>
      <FieldMessages path={`${at}.metrics`} messages={messages} />
      {metrics.map((metric, j) => {
        const mp = `${at}.metrics.${j}`;
        return (
          <div class="gate-metric" key={j} id={fieldId(mp)} tabIndex={-1} role="group" aria-label={`Step ${number} metric ${j + 1}`}>
            <FieldRow>
              <SelectField path={`${mp}.metric`} label="Metric" messages={messages} value={String(metric.metric ?? '')} options={METRICS.map((m) => ({ value: m, label: m }))} onChange={(v) => setMetric(j, 'metric', v)} />
              {(['min', 'max', 'maxVsControl'] as const).map((field) => (
                <NumberField key={field} path={`${mp}.${field}`} label={field === 'maxVsControl' ? 'Max × control' : field === 'min' ? 'Min' : 'Max'} messages={messages} value={metric[field]} onChange={(v) => setMetric(j, field, v)} />
              ))}
              <NumberField path={`${mp}.minSamples`} label="Min samples" messages={messages} value={metric.minSamples} onChange={(v) => setMetric(j, 'minSamples', v)} step="1" />
              <button type="button" class="quiet" aria-label={`Remove metric ${j + 1} of step ${number}`} onClick={() => onChange({ ...step, metrics: metrics.filter((_, k) => k !== j) })}>
                Remove metric
              </button>
            </FieldRow>
            <FieldMessages path={mp} messages={messages} />
          </div>
        );
      })}
      <button type="button" aria-label={`Add metric to step ${number}`} onClick={() => onChange({ ...step, metrics: [...metrics, { metric: 'error-rate', max: 0.05 }] })}>
        Add metric
      </button>
    </>
  );
}
