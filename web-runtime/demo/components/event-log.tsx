/** The device's last events (installed, activated, rollback, doc-rejected, ...), newest first. */
import type { DeviceEvent } from '@edgefleet/web-runtime';

const TONE: Partial<Record<DeviceEvent['kind'], string>> = {
  activated: 'good',
  installed: 'good',
  'shadow-loaded': 'good',
  rollback: 'warn',
  stale: 'warn',
  'doc-rejected': 'bad',
  'install-failed': 'bad',
  'shadow-failed': 'bad',
};

export function EventLog({ events }: { events: readonly DeviceEvent[] }) {
  return (
    <section aria-labelledby="log-title">
      <h2 id="log-title">Events</h2>
      {events.length === 0 ? <p class="hint">None yet.</p> : null}
      <ol class="log" data-testid="event-log">
        {events.map((event) => (
          <li key={event.id} data-kind={event.kind}>
            <time dateTime={event.at}>{new Date(event.at).toLocaleTimeString()}</time> <span class={`badge tone-${TONE[event.kind] ?? 'plain'}`}>{event.kind}</span>
            {event.model ? <span> {`${event.model.model}@${event.model.version}`}</span> : null}
            {event.error ? <span class="log-error"> {`${event.error.code}: ${event.error.message}`}</span> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
