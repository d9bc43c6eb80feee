/** Rotate a device's secret (offered once, never shown) and decommission it, each behind a confirmation. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { ConfirmButton } from '../../components/confirm';
import type { Device } from './types';

/** Saves `text` as a file through the browser's download, without putting it in the page. */
function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}

/**
 * POST /api/v1/devices/{id}/secret returns the new device secret exactly once (the hub keeps only
 * a keyed hash), and the operator must get it onto the device. The console never renders it: the
 * dialog offers it as a download or on the clipboard, and it lives only in this dialog's closure,
 * dropped when the dialog closes.
 */
function NewSecretDialog({ id, secret, onClose }: { id: string; secret: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    if (dialog.current && !dialog.current.open) dialog.current.showModal();
  }, []);
  const copy = () =>
    navigator.clipboard.writeText(secret).then(
      () => setDone('Copied to the clipboard.'),
      () => setDone('The browser refused the clipboard: download it instead.'),
    );
  return (
    <dialog ref={dialog} aria-labelledby="new-secret-title" aria-describedby="new-secret-warning" onClose={onClose}>
      <h2 id="new-secret-title">New secret of {id}</h2>
      <p id="new-secret-warning" class="error">
        Take it now: it is offered only this once. The old secret no longer works; the device stays offline until it has this one (EDGEFLEET_DEVICE_SECRET).
      </p>
      <div class="dialog-actions">
        <button type="button" onClick={() => {
          download(`${id}.secret`, `${secret}\n`);
          setDone(`Saved as ${id}.secret.`);
        }}>
          Download {id}.secret
        </button>
        <button type="button" onClick={() => void copy()}>
          Copy to the clipboard
        </button>
      </div>
      {done ? <p role="status">{done}</p> : null}
      <div class="dialog-actions">
        {/* unmounting drops the dialog and the secret at once; Escape ends up in onClose too */}
        <button type="button" class="primary" onClick={onClose}>
          Done
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
        <p>The current secret stops working at once and the device's live connection is ended. The new secret is offered once, as a download or on the clipboard.</p>
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
