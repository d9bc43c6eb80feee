/** A labelled form field: the label names the control, the hint (id `<id>-hint`) describes it. */
import type { ComponentChildren } from 'preact';
import './forms.css';

export const hintId = (id: string): string => `${id}-hint`;

export function Field({ id, label, hint, wide, children }: { id: string; label: string; hint?: ComponentChildren; wide?: boolean; children: ComponentChildren }) {
  return (
    <div class={wide ? 'field wide' : 'field'}>
      <label for={id}>{label}</label>
      {children}
      {hint ? (
        <span id={hintId(id)} class="hint">
          {hint}
        </span>
      ) : null}
    </div>
  );
}
