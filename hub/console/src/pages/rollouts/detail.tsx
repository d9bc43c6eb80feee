/**
 * #/rollouts/:id: one rollout, live. It reloads (at most once a second) on audit rows about this
 * rollout (steps, halts, actions) and on device state changes (its devices' counts move with
 * them), so the page follows the rollout step by step without a reload; while a gate is being
 * evaluated it also polls, since evaluations leave no audit row.
 */
import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, ok } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { Badge, ErrorNote, Loading, PageTitle, Progress, When } from '../../components/status';
import { Can } from '../../scope';
import { RolloutActions } from './actions';
import { MemberTable } from './members';
import { DeviceCounts, StepList } from './step-list';
import { StepWarnings } from './step-warnings';
import type { Rollout } from './types';
import './rollouts.css';

const GATE_POLL_MS = 3_000;

export function RolloutPage({ params }: { params: Record<string, string | undefined> }) {
  const id = params.id ?? '';
  const rollout = useResource(async () => ok(await api.GET('/api/v1/rollouts/{id}', { params: { path: { id } } })), [id], {
    live: (event) => event.subject === `rollout:${id}` || event.action === 'device.state.changed',
    throttleMs: 1_000,
    // A gate's evaluations are not audited (only its decision is): while one runs, look again now and then.
    pollMs: (data) => (data?.state === 'running' && data.steps[data.step]?.kind === 'gate' ? GATE_POLL_MS : undefined),
  });
  // An action's reply is the rollout after it: shown at once, before the audit row reloads it.
  const [acted, setActed] = useState<Rollout | undefined>(undefined);
  const data = acted && acted.id === id && rollout.data && acted.updatedAt > rollout.data.updatedAt ? acted : rollout.data;
  return (
    <>
      <PageTitle actions={data ? <Can needs="operator"><RolloutActions rollout={data} onDone={setActed} /></Can> : null}>{data ? `Rollout of ${data.model}@${data.version}` : 'Rollout'}</PageTitle>
      <ErrorNote error={rollout.error} />
      {data ? <RolloutView rollout={data} /> : rollout.error ? null : <Loading what="the rollout" />}
    </>
  );
}

function RolloutView({ rollout }: { rollout: Rollout }) {
  const total = rollout.steps.length;
  const current = rollout.steps[rollout.step];
  return (
    <>
      <p class="step-now" id="step-now">
        <Progress value={Math.min(rollout.step, total)} max={total} label={`${Math.min(rollout.step, total)} of ${total} steps done`} />{' '}
        {current ? `Step ${rollout.step + 1} of ${total}: ${current.kind}` : `All ${total} steps done`} · <Badge value={rollout.state} />
      </p>
      {rollout.halt ? (
        <p class="error">
          Halted <When at={rollout.halt.at} />: {rollout.halt.reason}
        </p>
      ) : null}
      <StepWarnings warnings={rollout.warnings} id="rollout-warnings" />
      <dl class="facts">
        <dt>Rollout</dt>
        <dd>
          <code>{rollout.id}</code>
        </dd>
        <dt>Version</dt>
        <dd>
          <Link href={`/models/${encodeURIComponent(rollout.model)}/${encodeURIComponent(rollout.version)}`}>
            {rollout.model}@{rollout.version}
          </Link>
        </dd>
        <dt>Created</dt>
        <dd>
          <When at={rollout.createdAt} /> by {rollout.createdBy}
        </dd>
        <dt>Current step since</dt>
        <dd>
          <When at={rollout.stepStartedAt} />
        </dd>
        <dt>Rolls back on a halt</dt>
        <dd>{rollout.plan.autoRollback ? 'yes' : 'no'}</dd>
        {rollout.reverted ? (
          <>
            <dt>Devices</dt>
            <dd>sent back to their previous version</dd>
          </>
        ) : null}
        {rollout.supersedes ? (
          <>
            <dt>Supersedes</dt>
            <dd>
              <Link href={`/rollouts/${encodeURIComponent(rollout.supersedes)}`}>{rollout.supersedes}</Link>
            </dd>
          </>
        ) : null}
        {rollout.supersededBy ? (
          <>
            <dt>Superseded by</dt>
            <dd>
              <Link href={`/rollouts/${encodeURIComponent(rollout.supersededBy)}`}>{rollout.supersededBy}</Link>
            </dd>
          </>
        ) : null}
      </dl>
      <section aria-labelledby="devices-title">
        <h2 id="devices-title">Devices</h2>
        <DeviceCounts devices={rollout.devices} label="All devices of the rollout by status" />
      </section>
      <section aria-labelledby="steps-title">
        <h2 id="steps-title">Steps</h2>
        <StepList rollout={rollout} />
      </section>
      <section aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        <MemberTable rollout={rollout} />
      </section>
      <p class="hint">
        Every step and action is in the <Link href="/audit">audit log</Link> under <code>rollout:{rollout.id}</code>.
      </p>
    </>
  );
}
