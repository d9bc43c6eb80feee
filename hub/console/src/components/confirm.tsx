/**
 * Confirmations in a native modal <dialog> (focus and Escape for free): ConfirmDialog for a form
 * whose submit opens it (the form still submits with Enter), ConfirmButton for a lone action.
 * The action runs only on "Yes"; its error is shown in the dialog.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { errorText } from '../api/client';

export interface ConfirmDialogProps {
  open: boolean;
  title: string;
  confirmLabel: string;
  children: ComponentChildren;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
  danger?: boolean | undefined;
}

export function ConfirmDialog({ open, title, confirmLabel, children, onConfirm, onClose, danger }: ConfirmDialogProps) {
  const titleId = useId();
  const dialog = useRef<HTMLDialogElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      setError(undefined);
      element.showModal();
    }
    if (!open && element.open) element.close();
  }, [open]);
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      onClose();
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    // Escape closes a native dialog by itself: onClose keeps the parent's `open` in step.
    <dialog ref={dialog} aria-labelledby={titleId} onClose={onClose}>
      <h2 id={titleId}>{title}</h2>
      <div>{children}</div>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <div class="dialog-actions">
        <button type="button" class="quiet" onClick={onClose}>
          Cancel
        </button>
        <button type="button" class={danger ? 'danger' : 'primary'} disabled={busy} onClick={() => void confirm()}>
          {busy ? 'Working…' : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

export interface ConfirmButtonProps {
  label: string;
  title: string;
  children: ComponentChildren;
  onConfirm: () => Promise<unknown>;
  danger?: boolean;
  disabled?: boolean;
}

export function ConfirmButton({ label, title, children, onConfirm, danger, disabled }: ConfirmButtonProps) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class={danger ? 'danger' : ''} disabled={disabled} onClick={() => setOpen(true)}>
        {label}
      </button>
      <ConfirmDialog open={open} title={title} confirmLabel={`Yes, ${label.toLowerCase()}`} danger={danger} onConfirm={onConfirm} onClose={() => setOpen(false)}>
        {children}
      </ConfirmDialog>
    </>
  );
}
