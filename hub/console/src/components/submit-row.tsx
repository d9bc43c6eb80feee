/** A form's submit button, with what is happening beside it while the request runs (long uploads, quantization). */
import type { ComponentChildren } from 'preact';

export function SubmitRow({ label, busy, working }: { label: string; busy: boolean; working: ComponentChildren }) {
  return (
    <div class="form-actions">
      <button type="submit" class="primary" disabled={busy}>
        {label}
      </button>
      {busy && working ? <span role="status">{working}</span> : null}
    </div>
  );
}
