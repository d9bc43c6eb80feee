/** The devices table: one row per device of the current page. */
import { Link } from 'wouter-preact';
import { Badge, Empty, When } from '../../components/status';
import { statusOf, type Device } from './types';

export function TagList({ tags }: { tags: Record<string, string> }) {
  const entries = Object.entries(tags);
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <ul class="device-tags">
      {entries.map(([key, value]) => (
        <li key={key}>
          <code>
            {key}:{value}
          </code>
        </li>
      ))}
    </ul>
  );
}

/** What it runs (its report), and what it is assigned when the two differ (a deployment under way, or a refusal). */
function Running({ device }: { device: Device }) {
  const active = device.state?.active;
  const assigned = device.assignment;
  const differs = assigned && (!active || active.model !== assigned.model || active.version !== assigned.version);
  return (
    <>
      {active ? `${active.model}@${active.version}` : <span class="muted">nothing</span>}
      {differs ? <span class="muted"> (assigned {assigned.model}@{assigned.version})</span> : null}
    </>
  );
}

export function DeviceRows({ devices, busy }: { devices: readonly Device[]; busy: boolean }) {
  return (
    <table aria-label="Devices" aria-busy={busy}>
      <thead>
        <tr>
          <th scope="col">Device</th>
          <th scope="col">Status</th>
          <th scope="col">Ring</th>
          <th scope="col">Tags</th>
          <th scope="col">Running</th>
          <th scope="col">Last seen</th>
        </tr>
      </thead>
      <tbody>
        {devices.length === 0 ? <Empty colSpan={6}>No devices.</Empty> : null}
        {devices.map((device) => (
          <tr key={device.id}>
            <td>
              <Link href={`/devices/${encodeURIComponent(device.id)}`}>{device.id}</Link>
            </td>
            <td>
              <Badge value={statusOf(device)} />
              {device.lastErrorCode ? <span class="device-error"> {device.lastErrorCode}</span> : null}
            </td>
            <td>{device.ring}</td>
            <td>
              <TagList tags={device.tags} />
            </td>
            <td>
              <Running device={device} />
            </td>
            <td>
              <When at={device.lastSeenAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
