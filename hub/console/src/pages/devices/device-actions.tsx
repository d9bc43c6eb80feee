/** Rotate a device's secret (shown once) and decommission it, each behind a confirmation. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { ConfirmButton } from '../../components/confirm';
import type { Device } from './types';

/**
 * The one place the console renders a secret, deliberately: POST /api/v1/devices/{id}/secret
 * returns the new device secret exactly once (the hub keeps only a keyed hash), and the operator
 * must copy it onto the device. It lives only in this dialog's state: closing the dialog drops it
 * from the DOM and from memory, and it is never stored or logged.
 */
function NewSecretDialog({ id, secret, onClose }: { id: string; secret: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (dialog.current && !dialog.current.open) dialog.current.showModal();
  }, []);
  return (
    <dialog ref={dialog} aria-labelledby="new-secret-title" aria-describedby="new-secret-warning" onClose={onClose}>
      <h2 id="new-secret-title">New secret of {id}</h2>
      <p id="new-secret-warning" class="error">
        Copy it onto the device now: it is shown only this once. The old secret no longer works; the device stays offline until it has this one.
      </p>
      <p>Device secret:</p>
      <code class="secret-box">
        {secret}
      </code>
      <div class="dialog-actions">
        {/* unmounting removes the dialog (and the secret) from the DOM at once; Escape ends up in onClose too */}
        <button type="button" class="primary" onClick={onClose}>
          I have copied it
        </button>
      </div>
    </dialog>
  );
}

export function DeviceActions({ device, onChanged }: { device: Device; onChanged: () => void }) {
  const [secret, setSecret] = useState<string | null>(null);
  const inService = device.decommissionedAt === null;
  return (
    <>
      <ConfirmButton
        label="Rotate secret"
        title={`Rotate the secret of ${device.id}?`}
        disabled={!inService}
        onConfirm={async () => {
          const rotated = ok(await api.POST('/api/v1/devices/{id}/secret', { params: { path: { id: device.id } } }));
          setSecret(rotated.secret);
          onChanged();
        }}
      >
        <p>The current secret stops working at once and the device's live connection is ended. The new secret is shown once.</p>
      </ConfirmButton>
      <ConfirmButton
        label="Decommission"
        title={`Decommission ${device.id}?`}
        danger
        disabled={!inService}
        onConfirm={async () => {
          ok(await api.DELETE('/api/v1/devices/{id}', { params: { path: { id: device.id } } }));
          onChanged();
        }}
      >
        <p>It can no longer connect, its assignment ends and rollouts let go of it. Its history stays. This cannot be undone.</p>
      </ConfirmButton>
      {secret ? <NewSecretDialog id={device.id} secret={secret} onClose={() => setSecret(null)} /> : null}
    </>
  );
}
