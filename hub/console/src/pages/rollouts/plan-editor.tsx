/**
 * The plan as a structured form (one fieldset per step) and as JSON, kept in step: an edit in
 * the form rewrites the JSON; JSON that parses into steps replaces the form's plan. Either way the
 * plan goes to the hub as it is, and the hub's messages come back beside the fields they name.
 */
import { useState } from 'preact/hooks';
import { draftFromJson, newStep, STEP_KINDS, type Draft } from './draft';
import { CheckField, FieldMessages, fieldId } from './fields';
import type { Messages } from './messages';
import { stepAnchors, StepEditor } from './step-editor';
import type { StepKind } from './types';

/** Every path the editor shows messages at, for the plan as it is now. */
export function planAnchors(draft: Draft): Set<string> {
  return new Set(['plan', 'plan.steps', 'plan.autoRollback', ...draft.steps.flatMap((step, i) => stepAnchors(step, i))]);
}

interface PlanEditorProps {
  draft: Draft;
  rings: readonly string[];
  messages: Messages;
  onChange: (draft: Draft) => void;
}

const pretty = (draft: Draft): string => JSON.stringify(draft, null, 2);

export function PlanEditor({ draft, rings, messages, onChange }: PlanEditorProps) {
  const [json, setJson] = useState(() => pretty(draft));
  const [jsonError, setJsonError] = useState<string | undefined>(undefined);
  const [addKind, setAddKind] = useState<StepKind>('ring');
  // The form's edits rewrite the JSON text; the text's own edits keep the admin's formatting.
  const fromForm = (next: Draft): void => {
    setJson(pretty(next));
    setJsonError(undefined);
    onChange(next);
  };
  const fromJson = (text: string): void => {
    setJson(text);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return setJsonError(`not JSON yet: ${error instanceof Error ? error.message : String(error)}`);
    }
    const next = draftFromJson(value);
    if (!next) return setJsonError('a plan is an object with "steps": a list of steps, each with a "kind" (ring, bake, gate or approve)');
    setJsonError(undefined);
    onChange(next);
  };
  const steps = draft.steps;
  const replace = (i: number, step: Draft['steps'][number]) => fromForm({ ...draft, steps: steps.map((s, k) => (k === i ? step : s)) });
  const move = (i: number, by: -1 | 1) => {
    const next = [...steps];
    const [step] = next.splice(i, 1);
    if (step) next.splice(i + by, 0, step);
    fromForm({ ...draft, steps: next });
  };
  return (
    <div class="plan-editor">
      <FieldMessages path="plan" messages={messages} />
      <FieldMessages path="plan.steps" messages={messages} />
      <ol class="plan-steps">
        {steps.map((step, i) => (
          <li key={i}>
            <StepEditor step={step} index={i} count={steps.length} rings={rings} messages={messages} onChange={(s) => replace(i, s)} onMove={(by) => move(i, by)} onRemove={() => fromForm({ ...draft, steps: steps.filter((_, k) => k !== i) })} />
          </li>
        ))}
      </ol>
      <div class="add-step">
        <label for="add-step-kind">New step</label>
        <select id="add-step-kind" value={addKind} onChange={(event) => setAddKind(event.currentTarget.value as StepKind)}>
          {STEP_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {kind}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => fromForm({ ...draft, steps: [...steps, newStep(addKind, rings[0] ?? '*')] })}>
          Add step
        </button>
      </div>
      <CheckField path="plan.autoRollback" label="Roll back automatically when a gate or an error threshold halts it" messages={messages} value={draft.autoRollback !== false} onChange={(v) => fromForm({ ...draft, autoRollback: v })} />
      <details class="plan-json">
        <summary>Edit the plan as JSON</summary>
        <label for={fieldId('plan-json')}>Plan (JSON)</label>
        <textarea id={fieldId('plan-json')} rows={18} spellcheck={false} value={json} onInput={(event) => fromJson(event.currentTarget.value)} aria-describedby={jsonError ? 'plan-json-error' : undefined} />
        {jsonError ? (
          <p class="error" id="plan-json-error">
            {jsonError}
          </p>
        ) : null}
      </details>
    </div>
  );
}
