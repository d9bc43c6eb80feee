/** Form fields of the plan editor, each with the hub's messages about it beside it (aria-describedby). */
import type { ComponentChildren } from 'preact';
import type { Messages } from './messages';

/** A DOM id for a path (`plan.steps.3.percent` -> `f-plan-steps-3-percent`). */
export const fieldId = (path: string): string => `f-${path.replace(/[^A-Za-z0-9_-]+/g, '-')}`;

export function FieldMessages({ path, messages }: { path: string; messages: Messages }) {
  const list = messages.get(path);
  if (!list || list.length === 0) return null;
  return (
    <ul class="field-errors" id={`${fieldId(path)}-errors`}>
      {list.map((message) => (
        <li key={message}>{message}</li>
      ))}
    </ul>
  );
}

const described = (path: string, messages: Messages) => (messages.get(path)?.length ? { 'aria-invalid': true, 'aria-describedby': `${fieldId(path)}-errors` } : {});

interface FieldProps {
  path: string;
  label: string;
  messages: Messages;
  hint?: string;
}

/** A number; emptied, the field is left out (the hub fills in its default, or says it is required). */
export function NumberField({ path, label, messages, hint, value, onChange, step = 'any' }: FieldProps & { value: unknown; onChange: (value: number | undefined) => void; step?: string }) {
  const id = fieldId(path);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="number"
        step={step}
        value={typeof value === 'number' ? String(value) : ''}
        title={hint}
        onInput={(event) => {
          const text = event.currentTarget.value;
          onChange(text === '' ? undefined : Number(text));
        }}
        {...described(path, messages)}
      />
      <FieldMessages path={path} messages={messages} />
    </div>
  );
}

export function TextField({ path, label, messages, value, onChange }: FieldProps & { value: unknown; onChange: (value: string | undefined) => void }) {
  const id = fieldId(path);
  return (
    <div class="field field-wide">
      <label for={id}>{label}</label>
      <input id={id} type="text" value={typeof value === 'string' ? value : ''} onInput={(event) => onChange(event.currentTarget.value || undefined)} {...described(path, messages)} />
      <FieldMessages path={path} messages={messages} />
    </div>
  );
}

export function SelectField({ path, label, messages, value, options, onChange }: FieldProps & { value: string; options: readonly { value: string; label: string }[]; onChange: (value: string) => void }) {
  const id = fieldId(path);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(event) => onChange(event.currentTarget.value)} {...described(path, messages)}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <FieldMessages path={path} messages={messages} />
    </div>
  );
}

export function CheckField({ path, label, messages, value, onChange }: FieldProps & { value: unknown; onChange: (value: boolean) => void }) {
  const id = fieldId(path);
  return (
    <div class="field field-check">
      <input id={id} type="checkbox" checked={value === true} onChange={(event) => onChange(event.currentTarget.checked)} {...described(path, messages)} />
      <label for={id}>{label}</label>
      <FieldMessages path={path} messages={messages} />
    </div>
  );
}

export function FieldRow({ children }: { children: ComponentChildren }) {
  return <div class="field-row">{children}</div>;
}
