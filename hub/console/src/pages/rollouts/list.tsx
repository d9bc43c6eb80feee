/** #/rollouts: every rollout, newest first, with its state and how far its plan has come; live on rollout audit rows. */
import { Link } from 'wouter-preact';
import { api, ok } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { Badge, Empty, ErrorNote, Loading, PageTitle, Progress, When } from '../../components/status';
import { Can } from '../../scope';
import './rollouts.css';

export function RolloutsPage() {
  const rollouts = useResource(async () => ok(await api.GET('/api/v1/rollouts')).rollouts, [], { live: (event) => event.subject.startsWith('rollout:'), throttleMs: 1_000 });
  return (
    <>
      <PageTitle
        actions={
          <Can needs="operator">
            <Link href="/rollouts/new" class="button primary">
              New rollout
            </Link>
          </Can>
        }
      >
        Rollouts
      </PageTitle>
      <ErrorNote error={rollouts.error} />
      {!rollouts.data ? (
        rollouts.error ? null : <Loading what="rollouts" />
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Rollout</th>
              <th scope="col">State</th>
              <th scope="col">Step</th>
              <th scope="col" class="num">Devices</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {rollouts.data.length === 0 ? <Empty colSpan={5}>No rollout yet.</Empty> : null}
            {rollouts.data.map((rollout) => {
              const total = rollout.steps.length;
              const done = Math.min(rollout.step, total);
              const devices = Object.values(rollout.devices).reduce((a, b) => a + b, 0);
              return (
                <tr key={rollout.id}>
                  <td>
                    <Link href={`/rollouts/${encodeURIComponent(rollout.id)}`}>
                      {rollout.model}@{rollout.version}
                    </Link>
                  </td>
                  <td>
                    <Badge value={rollout.state} />
                  </td>
                  <td>
                    <Progress value={done} max={total} label={`${rollout.model}@${rollout.version}: step ${done} of ${total} done`} /> {done}/{total}
                    {rollout.steps[rollout.step] ? <span class="muted"> · {rollout.steps[rollout.step]?.kind}</span> : null}
                  </td>
                  <td class="num">
                    {devices}
                    {rollout.devices.serving ? <span class="muted"> ({rollout.devices.serving} serving)</span> : null}
                  </td>
                  <td>
                    <When at={rollout.createdAt} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
