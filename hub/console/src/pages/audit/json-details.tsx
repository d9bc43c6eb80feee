/** A JSON value folded away behind a <details> toggle; nothing for an empty object. */
export function JsonDetails({ value, summary }: { value: unknown; summary: string }) {
  const empty = value === null || value === undefined || (typeof value === 'object' && Object.keys(value).length === 0);
  if (empty) return <span class="muted">—</span>;
  return (
    <details class="json-details">
      <summary>{summary}</summary>
      <pre>{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}
