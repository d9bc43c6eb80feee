/** Which version and which part of the fleet the drift page shows: submitted with Enter or the button, kept in the address. */
import { useEffect, useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { ErrorNote } from '../../components/status';
import { showScope, type DriftScope } from './scope';

const versionKey = (model: string, version: string): string => JSON.stringify([model, version]);

async function loadChoices() {
  const [models, rings] = await Promise.all([api.GET('/api/v1/models').then(ok), api.GET('/api/v1/rings').then(ok)]);
  return { models: models.models, rings: rings.rings };
}

export function ScopeForm({ scope }: { scope: DriftScope }) {
  const choices = useResource(loadChoices, [], { live: (event) => event.action.startsWith('model.') || event.action.startsWith('ring.') });
  const [draft, setDraft] = useState(scope);
  // The address is the truth: back/forward and links from other pages reset the form.
  useEffect(() => setDraft(scope), [scope.model, scope.version, scope.ring, scope.device]);
  const models = choices.data?.models ?? [];
  const rings = choices.data?.rings ?? [];
  const chosen = draft.model ? versionKey(draft.model, draft.version) : '';
  const known = models.some((m) => m.name === draft.model && m.versions.some((v) => v.version === draft.version));
  return (
    <form
      class="filters"
      aria-label="Drift scope"
      onSubmit={(event) => {
        event.preventDefault();
        showScope({ ...draft, ring: draft.ring, device: draft.device.trim() });
      }}
    >
      <label for="drift-version">
        Model version
        <select
          id="drift-version"
          value={chosen}
          onChange={(event) => {
            const value = (event.target as HTMLSelectElement).value;
            const [model, version] = value ? (JSON.parse(value) as [string, string]) : ['', ''];
            setDraft({ ...draft, model, version });
          }}
        >
          <option value="">Choose…</option>
          {/* A version named in the address but not (yet) listed stays selectable. */}
          {draft.model && !known ? <option value={chosen}>{draft.model}@{draft.version}</option> : null}
          {models.map((model) => (
            <optgroup key={model.name} label={model.name}>
              {[...model.versions].reverse().map((v) => (
                <option key={v.version} value={versionKey(model.name, v.version)}>
                  {model.name}@{v.version}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </label>
      <label for="drift-ring">
        Ring
        <select id="drift-ring" value={draft.ring} onChange={(event) => setDraft({ ...draft, ring: (event.target as HTMLSelectElement).value })}>
          <option value="">All rings</option>
          {draft.ring && !rings.some((r) => r.name === draft.ring) ? <option value={draft.ring}>{draft.ring}</option> : null}
          {rings.map((ring) => (
            <option key={ring.name} value={ring.name}>
              {ring.name} ({ring.devices} devices)
            </option>
          ))}
        </select>
      </label>
      <label for="drift-device">
        Device id (optional)
        <input id="drift-device" value={draft.device} placeholder="all devices" onInput={(event) => setDraft({ ...draft, device: (event.target as HTMLInputElement).value })} />
      </label>
      <button type="submit" class="primary" disabled={!draft.model}>
        Show drift
      </button>
      <ErrorNote error={choices.error} />
    </form>
  );
}
