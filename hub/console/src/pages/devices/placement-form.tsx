/** Move a device to another ring and/or replace its tags (PATCH /api/v1/devices/{id}). */
import { useState } from 'preact/hooks';
import { api, errorText, ok } from '../../api/client';
import { ErrorNote } from '../../components/status';
import type { Device } from './types';

const tagsText = (tags: Record<string, string>): string =>
  Object.entries(tags)
    .map(([key, value]) => `${key}:${value}`)
    .join('\n');

/** One `key:value` per line; blank lines are ignored. The hub validates keys and values. */
function parseTags(text: string): { tags: Record<string, string> } | { error: string } {
  const tags: Record<string, string> = {};
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: `tags line ${index + 1}: write key:value` };
    tags[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return { tags };
}

export function PlacementForm({ device, onPlaced }: { device: Device; onPlaced: () => void }) {
  const [ring, setRing] = useState(device.ring);
  const [tags, setTags] = useState(tagsText(device.tags));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [saved, setSaved] = useState(false);
  const submit = async () => {
    const parsed = parseTags(tags);
    if ('error' in parsed) return setError(parsed.error);
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      ok(await api.PATCH('/api/v1/devices/{id}', { params: { path: { id: device.id } }, body: { ring: ring.trim(), tags: parsed.tags } }));
      setSaved(true);
      onPlaced();
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="placement-title" class="device-section">
      <h2 id="placement-title">Ring and tags</h2>
      <form
        class="stack"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <label for="placement-ring">Ring</label>
        <input id="placement-ring" value={ring} required onInput={(event) => setRing(event.currentTarget.value)} />
        <label for="placement-tags">Tags (one key:value per line; replaces all tags)</label>
        <textarea id="placement-tags" rows={3} value={tags} onInput={(event) => setTags(event.currentTarget.value)} />
        <ErrorNote error={error} />
        {saved ? <p role="status">Saved. Rollouts that reached the new ring pick the device up.</p> : null}
        <div>
          <button type="submit" disabled={busy || device.decommissionedAt !== null}>
            {busy ? 'Saving…' : 'Save ring and tags'}
          </button>
        </div>
      </form>
    </section>
  );
}
