/**
 * #/devices/:id: one device's reported state, assignment (pin, shadow), ring and tags, statistics
 * and drift, and recent events, reloaded on every audit row about it (state changes, assignment,
 * placement, rotation, decommissioning) without a page reload.
 */
import { Link } from 'wouter-preact';
import { api, ok } from '../../api/client';
import type { AuditEvent } from '../../api/live';
import { useResource } from '../../api/use-resource';
import { ErrorNote, Loading, PageTitle } from '../../components/status';
import { Can, NeedsScope } from '../../scope';
import { AssignmentForm } from './assignment-form';
import { DeviceActions } from './device-actions';
import { DeviceEvents } from './device-events';
import { DeviceFacts } from './device-state';
import { DeviceStatistics } from './device-statistics';
import { PlacementForm } from './placement-form';
import { deviceSubject } from './types';
import './devices.css';

export function DevicePage({ params }: { params: Record<string, string | undefined> }) {
  const id = params.id ?? '';
  const aboutIt = (event: AuditEvent) => event.subject === deviceSubject(id);
  const device = useResource(async () => ok(await api.GET('/api/v1/devices/{id}', { params: { path: { id } } })), [id], { live: aboutIt, throttleMs: 300 });
  const events = useResource(async () => ok(await api.GET('/api/v1/devices/{id}/events', { params: { path: { id } } })), [id], { live: aboutIt, throttleMs: 1_000 });
  const data = device.data;
  return (
    <>
      <PageTitle actions={data ? <Can needs="admin"><DeviceActions device={data} onChanged={device.reload} /></Can> : undefined}>Device {id}</PageTitle>
      <p>
        <Link href="/devices">All devices</Link>
      </p>
      <ErrorNote error={device.error} />
      {!data ? (
        device.error ? null : <Loading what="the device" />
      ) : (
        <>
          <div class="columns">
            <DeviceFacts device={data} />
            {/* keyed by the assignment so the form starts from the new one after a change */}
            <Can needs="operator" otherwise={<NeedsScope needs="operator" what="Assigning a version" />}>
              <AssignmentForm key={`${data.assignment?.seq ?? 0}-${data.decommissionedAt ?? ''}`} device={data} onAssigned={device.reload} />
            </Can>
          </div>
          <div class="columns">
            <DeviceStatistics device={data} />
            <Can needs="operator">
              <PlacementForm device={data} onPlaced={device.reload} />
            </Can>
          </div>
          <DeviceEvents events={events} />
        </>
      )}
    </>
  );
}
