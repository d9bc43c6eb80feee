/** A button whose action runs only after the admin confirms in a modal dialog (native <dialog>: focus and Escape for free). */
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { errorText } from '../api/client';

export interface ConfirmButtonProps {
  label: string;
  title: string;
  children: ComponentChildren;
  /** the action; its error is shown in the dialog */
  onConfirm: () => Promise<unknown>;
  danger?: boolean;
  disabled?: boolean;
}

export function ConfirmButton({ label, title, children, onConfirm, danger, disabled }: ConfirmButtonProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      dialog.current?.close();
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class={danger ? 'danger' : ''} disabled={disabled} onClick={() => dialog.current?.showModal()}>
        {label}
      </button>
      <dialog ref={dialog} aria-labelledby={`${label}-title`.replace(/\s+/g, '-')}>
        <h2 id={`${label}-title`.replace(/\s+/g, '-')}>{title}</h2>
        <div>{children}</div>
        {error ? <p class="error" role="alert">{error}</p> : null}
        <div class="dialog-actions">
          <button type="button" class="quiet" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="button" class={danger ? 'danger' : 'primary'} disabled={busy} onClick={() => void confirm()}>
            {busy ? 'Working…' : `Yes, ${label.toLowerCase()}`}
          </button>
        </div>
      </dialog>
    </>
  );
}
