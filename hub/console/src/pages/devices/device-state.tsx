/** A device's reported state and identity as facts (GET /api/v1/devices/{id}). */
import { Badge, When } from '../../components/status';
import { TagList } from './device-rows';
import { statusOf, type Device } from './types';

const ref = (value: { model: string; version: string } | null | undefined) => (value ? `${value.model}@${value.version}` : '—');

export function DeviceFacts({ device }: { device: Device }) {
  const state = device.state;
  return (
    <section aria-labelledby="device-state-title" class="device-section">
      <h2 id="device-state-title">Reported state</h2>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <Badge value={statusOf(device)} /> {state ? <Badge value={state.phase} /> : <span class="muted">has not reported yet</span>}
        </dd>
        <dt>Running</dt>
        <dd>{ref(state?.active)}</dd>
        <dt>Previous</dt>
        <dd>{ref(state?.previous)}</dd>
        <dt>Shadow loaded</dt>
        <dd>{ref(state?.shadow)}</dd>
        <dt>Error</dt>
        <dd>
          {state?.error ? (
            <span class="device-error">
              {state.error.code}: {state.error.message}
            </span>
          ) : device.lastErrorCode ? (
            <span class="device-error">{device.lastErrorCode}</span>
          ) : (
            <span class="muted">none</span>
          )}
        </dd>
        <dt>Last seen</dt>
        <dd>
          <When at={device.lastSeenAt} />
        </dd>
        <dt>State reported</dt>
        <dd>
          <When at={state?.at} /> {state ? <span class="muted">(seq {state.seq})</span> : null}
        </dd>
        <dt>Agent</dt>
        <dd>
          {state ? `${state.agent.version} on ${state.agent.runtime}` : '—'}
          {state?.agent.freeDiskBytes !== undefined ? <span class="muted"> · {(state.agent.freeDiskBytes / 1024 / 1024).toFixed(0)} MiB free disk</span> : null}
        </dd>
        <dt>Ring</dt>
        <dd>{device.ring}</dd>
        <dt>Tags</dt>
        <dd>
          <TagList tags={device.tags} />
        </dd>
        <dt>Enrolled</dt>
        <dd>
          <When at={device.createdAt} />
        </dd>
        {device.decommissionedAt ? (
          <>
            <dt>Decommissioned</dt>
            <dd>
              <When at={device.decommissionedAt} />
            </dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}
