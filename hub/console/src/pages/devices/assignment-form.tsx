/**
 * Pin a device to a model version, optionally with a shadow version run beside it
 * (PUT /api/v1/devices/{id}/assignment). The form submits with Enter and asks for confirmation.
 */
import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { ErrorNote } from '../../components/status';
import { ConfirmDialog } from '../../components/confirm';
import type { Device, ModelList } from './types';

interface Choice {
  model: string;
  version: string;
}

const NONE = '';

function VersionPicker({ idPrefix, legend, noun, models, value, optional, onChange }: { idPrefix: string; legend: string; noun: string; models: ModelList['models']; value: Choice; optional?: boolean; onChange: (next: Choice) => void }) {
  const versions = models.find((model) => model.name === value.model)?.versions ?? [];
  return (
    <fieldset class="inline-fields">
      <legend>{legend}</legend>
      <label for={`${idPrefix}-model`}>
        {noun} model
        <select
          id={`${idPrefix}-model`}
          value={value.model}
          onChange={(event) => {
            const model = event.currentTarget.value;
            // A new model starts at its newest version (GET /api/v1/models lists newest first).
            const newest = models.find((m) => m.name === model)?.versions[0]?.version ?? NONE;
            onChange({ model, version: newest });
          }}
        >
          {optional ? <option value={NONE}>none</option> : null}
          {models.map((model) => (
            <option key={model.name} value={model.name}>
              {model.name}
            </option>
          ))}
        </select>
      </label>
      <label for={`${idPrefix}-version`}>
        {noun} version
        <select id={`${idPrefix}-version`} value={value.version} disabled={value.model === NONE} onChange={(event) => onChange({ ...value, version: event.currentTarget.value })}>
          {value.model === NONE ? <option value={NONE}>—</option> : null}
          {versions.map((version) => (
            <option key={version.version} value={version.version}>
              {version.version}
            </option>
          ))}
        </select>
      </label>
    </fieldset>
  );
}

const label = (choice: Choice | null): string => (choice && choice.model !== NONE ? `${choice.model}@${choice.version}` : 'none');

export function AssignmentForm({ device, onAssigned }: { device: Device; onAssigned: () => void }) {
  const models = useResource(async () => ok(await api.GET('/api/v1/models')), []);
  const current = device.assignment;
  const [serving, setServing] = useState<Choice | null>(current ? { model: current.model, version: current.version } : null);
  const [shadow, setShadow] = useState<Choice>(current?.shadow ? { ...current.shadow } : { model: NONE, version: NONE });
  const [confirming, setConfirming] = useState(false);
  const list = models.data?.models ?? [];
  const first = list[0];
  // Until the admin picks, the form shows the current assignment, else the first model's newest version.
  const chosen = serving ?? (first ? { model: first.name, version: first.versions[0]?.version ?? NONE } : null);
  const shadowChoice = shadow.model === NONE ? null : shadow;
  const disabled = device.decommissionedAt !== null || !chosen || chosen.version === NONE;

  return (
    <section aria-labelledby="assignment-title" class="device-section">
      <h2 id="assignment-title">Assignment</h2>
      <dl class="facts">
        <dt>Assigned</dt>
        <dd data-testid="assigned-version">{current ? `${current.model}@${current.version}` : 'nothing'}</dd>
        <dt>Shadow</dt>
        <dd>{label(current?.shadow ?? null)}</dd>
        <dt>Deployment</dt>
        <dd>{current ? `seq ${current.seq}, ${new Date(current.assignedAt).toLocaleString()}` : '—'}</dd>
      </dl>
      <ErrorNote error={models.error} />
      {list.length === 0 && models.data ? <p class="muted">No model is uploaded yet.</p> : null}
      {chosen ? (
        <form
          class="stack"
          aria-label="Pin a version"
          onSubmit={(event) => {
            event.preventDefault();
            if (!disabled) setConfirming(true);
          }}
        >
          <VersionPicker idPrefix="pin" legend="Serve" noun="Serving" models={list} value={chosen} onChange={setServing} />
          <VersionPicker idPrefix="pin-shadow" legend="Shadow (run beside it, never served)" noun="Shadow" models={list} value={shadow} optional onChange={setShadow} />
          <div>
            <button type="submit" class="primary" disabled={disabled}>
              Pin version…
            </button>
          </div>
        </form>
      ) : null}
      <ConfirmDialog
        open={confirming}
        title="Pin this device?"
        confirmLabel="Yes, pin it"
        onClose={() => setConfirming(false)}
        onConfirm={async () => {
          if (!chosen) return;
          const body = { model: chosen.model, version: chosen.version, shadow: shadowChoice ? { model: shadowChoice.model, version: shadowChoice.version } : null };
          ok(await api.PUT('/api/v1/devices/{id}/assignment', { params: { path: { id: device.id } }, body }));
          onAssigned();
        }}
      >
        <p>
          {device.id} will serve <strong>{label(chosen)}</strong> with shadow <strong>{label(shadowChoice)}</strong>, replacing {label(current)}. The hub signs a new
          deployment document; the device installs it when it is connected.
        </p>
      </ConfirmDialog>
    </section>
  );
}
