/** Small pieces every page uses: loading and error notes, state badges, times, empty tables. */
import type { ComponentChildren } from 'preact';

export function ErrorNote({ error }: { error: string | undefined }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return <p class="muted" aria-busy="true">Loading {what}…</p>;
}

const TONES: Record<string, string> = {
  online: 'good', serving: 'good', running: 'good', completed: 'good', succeeded: 'good', active: 'good', pass: 'good', passed: 'good', ok: 'good', resolved: 'good', delivered: 'good', stable: 'good', 'no-drift': 'good',
  paused: 'warn', pending: 'warn', expired: 'warn', exhausted: 'warn', queued: 'warn', waiting: 'warn', warning: 'warn', retrying: 'warn', offline: 'warn', insufficient: 'warn', 'insufficient-data': 'warn',
  failed: 'bad', halted: 'bad', aborted: 'bad', 'rolled-back': 'bad', critical: 'bad', fail: 'bad', open: 'bad', drift: 'bad', error: 'bad', cancelled: 'bad', decommissioned: 'bad', revoked: 'bad',
};

export function Badge({ value }: { value: string }) {
  return <span class={`badge tone-${TONES[value] ?? 'plain'}`}>{value}</span>;
}

export function When({ at }: { at: string | null | undefined }) {
  if (!at) return <span class="muted">—</span>;
  const date = new Date(at);
  return <time dateTime={at} title={date.toISOString()}>{date.toLocaleString()}</time>;
}

export function Empty({ colSpan, children }: { colSpan: number; children: ComponentChildren }) {
  return (
    <tr>
      <td colSpan={colSpan} class="muted">
        {children}
      </td>
    </tr>
  );
}

export function PageTitle({ children, actions }: { children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <div class="page-title">
      <h1>{children}</h1>
      {actions ? <div class="actions">{actions}</div> : null}
    </div>
  );
}

/** A fraction as a labelled bar; `label` is what a screen reader hears. */
export function Progress({ value, max, label }: { value: number; max: number; label: string }) {
  return <progress value={value} max={Math.max(max, 1)} aria-label={label} title={`${value} of ${max}`} />;
}
