/** The latest events a device reported, newest first (GET /api/v1/devices/{id}/events, at most 50). */
import type { Resource } from '../../api/use-resource';
import { Badge, Empty, ErrorNote, Loading, When } from '../../components/status';
import type { DeviceEvent } from './types';

export function DeviceEvents({ events }: { events: Resource<{ events: DeviceEvent[] }> }) {
  return (
    <section aria-labelledby="device-events-title" class="device-section">
      <h2 id="device-events-title">Recent events</h2>
      <ErrorNote error={events.error} />
      {!events.data ? (
        events.error ? null : <Loading what="events" />
      ) : (
        <table aria-labelledby="device-events-title">
          <thead>
            <tr>
              <th scope="col">At</th>
              <th scope="col">Event</th>
              <th scope="col">Model</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {events.data.events.length === 0 ? <Empty colSpan={4}>The device has reported no event.</Empty> : null}
            {events.data.events.map((event) => (
              <tr key={event.eventId}>
                <td>
                  <When at={event.at} />
                </td>
                <td>
                  <Badge value={event.kind} />
                </td>
                <td>{event.body.model ? `${event.body.model.model}@${event.body.model.version}` : '—'}</td>
                <td>{event.body.error ? <span class="device-error">{event.body.error.code}: {event.body.error.message}</span> : event.code ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
