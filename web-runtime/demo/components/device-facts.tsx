/**
 * What serves and how it was checked: the model and version, its verification (signing keys,
 * SHA-256, network or cache, probe), the last call's latency, the MQTT connection, the device's
 * id and ring, and the runtime.
 */
import type { Verification, WebStatus } from '@edgefleet/web-runtime';

const short = (text: string, length = 12): string => (text.length > length ? `${text.slice(0, length)}…` : text);

function VerificationText({ verification }: { verification: Verification | null }) {
  if (!verification) return <dd data-testid="verification">nothing verified yet</dd>;
  return (
    <dd data-testid="verification" data-keyids={verification.keyids.join(' ')} data-sha256={verification.sha256} data-source={verification.source} data-probed={String(verification.probed)}>
      signed by <span title={verification.keyids.join(', ')}>{verification.keyids.map((keyid) => short(keyid)).join(', ')}</span>
      {' · '}sha256 <code title={verification.sha256}>{short(verification.sha256)}</code>
      {' · '}from {verification.source === 'cache' ? 'this browser’s cache' : 'the hub'}
      {' · '}
      {verification.probed ? 'probe passed' : 'not probed'}
    </dd>
  );
}

export function DeviceFacts({ status, device, latencyMs }: { status: WebStatus | null; device: string; latencyMs: number | null }) {
  const active = status?.active ?? null;
  const connected = status?.connected ?? false;
  const pending = status?.pendingWindows ?? 0;
  return (
    <section aria-labelledby="facts-title">
      <h2 id="facts-title">This device</h2>
      <dl class="facts">
        <dt>Model</dt>
        <dd data-testid="model-version" data-model={active?.model ?? ''} data-version={active?.version ?? ''} data-sha256={active?.sha256 ?? ''}>
          {active ? `${active.model}@${active.version}` : 'none yet'}
          {status ? <span class="hint"> ({status.phase})</span> : null}
          {status?.download ? (
            <div class="download" data-testid="download">
              <label for="download-progress">
                fetching {status.download.model.model}@{status.download.model.version}: {Math.floor((status.download.received * 100) / Math.max(1, status.download.total))}%
              </label>{' '}
              <progress id="download-progress" max={status.download.total} value={status.download.received} />
            </div>
          ) : null}
        </dd>
        <dt>Verification</dt>
        <VerificationText verification={status?.verification ?? null} />
        <dt>Latency</dt>
        <dd data-testid="latency" data-value={latencyMs === null ? '' : String(latencyMs)}>
          {latencyMs === null ? '—' : `${latencyMs.toFixed(1)} ms`}
          {latencyMs === null ? null : <span class="hint"> (last call, in this browser)</span>}
        </dd>
        <dt>Connection</dt>
        <dd data-testid="connection" data-state={connected ? 'connected' : 'disconnected'}>
          <span class={connected ? 'dot dot-on' : 'dot dot-off'} aria-hidden="true" />
          {connected ? 'connected to the hub' : 'offline: the model keeps answering'}
          {pending > 0 ? <span class="hint">{` (${pending} statistics ${pending === 1 ? 'window' : 'windows'} waiting)`}</span> : null}
        </dd>
        <dt>Device</dt>
        <dd>
          <code data-testid="device-id">{device}</code>
          {status ? (
            <span>
              {' '}in ring <code data-testid="device-ring">{status.ring}</code>
            </span>
          ) : null}
        </dd>
        {status?.runtime ? (
          <>
            <dt>Runtime</dt>
            <dd>{status.runtime}</dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}
