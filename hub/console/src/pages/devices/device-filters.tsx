/** The devices list's filter form: every field submits with Enter; the applied filters go to the URL. */
import { useState } from 'preact/hooks';
import { NO_FILTERS, type DeviceFilters, type DeviceStatus } from './list-query';

interface Props {
  initial: DeviceFilters;
  onApply: (filters: DeviceFilters) => void;
}

const TEXT_FIELDS: { key: Exclude<keyof DeviceFilters, 'status'>; label: string; hint?: string; size: number }[] = [
  { key: 'q', label: 'Id contains', size: 16 },
  { key: 'ring', label: 'Ring', size: 10 },
  { key: 'tag', label: 'Tag', hint: 'key:value', size: 14 },
  { key: 'model', label: 'Model', size: 12 },
  { key: 'version', label: 'Version', size: 8 },
];

/** Mounted with `key` = the applied filters, so the back button (a new URL) resets what it shows. */
export function DeviceFiltersForm({ initial, onApply }: Props) {
  const [filters, setFilters] = useState<DeviceFilters>(initial);
  const set = (key: keyof DeviceFilters, value: string) => setFilters((current) => ({ ...current, [key]: value }));
  return (
    <form
      class="filters"
      role="search"
      aria-label="Filter devices"
      onSubmit={(event) => {
        event.preventDefault();
        const { q, ring, tag, status, model, version } = filters;
        onApply({ q: q.trim(), ring: ring.trim(), tag: tag.trim(), status, model: model.trim(), version: version.trim() });
      }}
    >
      {TEXT_FIELDS.map((field) => (
        <label key={field.key} for={`device-filter-${field.key}`}>
          {field.label}
          <input
            id={`device-filter-${field.key}`}
            name={field.key}
            size={field.size}
            value={filters[field.key]}
            placeholder={field.hint}
            onInput={(event) => set(field.key, event.currentTarget.value)}
          />
        </label>
      ))}
      <label for="device-filter-status">
        Status
        <select id="device-filter-status" name="status" value={filters.status} onChange={(event) => set('status', event.currentTarget.value as '' | DeviceStatus)}>
          <option value="">any</option>
          <option value="online">online</option>
          <option value="offline">offline</option>
          <option value="decommissioned">decommissioned</option>
        </select>
      </label>
      <button type="submit" class="primary">Apply filters</button>
      <button type="button" class="quiet" onClick={() => onApply(NO_FILTERS)}>
        Clear
      </button>
    </form>
  );
}
