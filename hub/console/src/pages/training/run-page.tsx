/**
 * '/training/:id': one run, live. The audit trail does not narrate epochs, so the page polls every
 * second while the run is queued or running and stops when it ends; audit rows about training
 * (cancelled elsewhere, a version trained) reload it at once.
 */
import { Link } from 'wouter-preact';
import { api, ok } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { ConfirmButton } from '../../components/confirm';
import { Badge, ErrorNote, Loading, PageTitle, Progress, When } from '../../components/status';
import { Can } from '../../scope';
import { LossChart } from './loss-chart';
import { MetricsTable } from './metrics-table';
import { MetricVerdict } from './metric-verdict';
import { RunLog } from './run-log';
import { TrialsTable } from './trials-table';
import { formatDuration, isActive, isTrainingEvent, searchOf, shortId, trialCount, type RunDetail } from './types';
import './training.css';

export function TrainingRunRoute({ params }: { params: Record<string, string | undefined> }) {
  return <RunPage id={params['id'] ?? ''} />;
}

function RunPage({ id }: { id: string }) {
  const run = useResource(async () => ok(await api.GET('/api/v1/training-runs/{id}', { params: { path: { id } } })), [id], {
    live: isTrainingEvent,
    pollMs: (data) => (data && isActive(data.status) ? 1_000 : undefined),
  });
  const data = run.data;
  const cancel = async () => {
    ok(await api.POST('/api/v1/training-runs/{id}/cancel', { params: { path: { id } } }));
    run.reload();
  };
  return (
    <>
      <PageTitle
        actions={
          data && isActive(data.status) ? (
            <Can needs="operator">
              <ConfirmButton label="Cancel run" title={`Cancel training run ${shortId(id)}?`} danger onConfirm={cancel}>
                <p>The run stops; nothing is registered. A finished run cannot be cancelled.</p>
              </ConfirmButton>
            </Can>
          ) : null
        }
      >
        Training run {shortId(id)}
      </PageTitle>
      <p>
        <Link href="/training">All training runs</Link>
      </p>
      <ErrorNote error={run.error} />
      {!data ? run.error ? null : <Loading what="the run" /> : <RunBody run={data} />}
      {data ? <RunLog id={id} live={isActive(data.status)} /> : null}
    </>
  );
}

function RunBody({ run }: { run: RunDetail }) {
  const search = searchOf(run);
  const percent = Math.round(run.progress * 100);
  return (
    <>
      <div class="columns">
        <section aria-labelledby="run-state-title">
          <h2 id="run-state-title">State</h2>
          {/* Only the state is announced: the progress changes every second. */}
          <p role="status" class="training-sr">
            Run {run.status}
          </p>
          <dl class="facts">
            <dt>State</dt>
            <dd>
              <Badge value={run.status} /> <span class="muted">stage {run.stage}</span>
            </dd>
            <dt>Progress</dt>
            <dd>
              <Progress value={percent} max={100} label={`training progress ${percent}%`} /> {percent}%
            </dd>
            <dt>{search ? 'Trials' : 'Epochs'}</dt>
            <dd>{search ? `${run.trials.length} of ${trialCount(search)} done` : `${run.epochs.length} so far`}</dd>
            <dt>Version produced</dt>
            <dd>
              {run.resultVersion ? (
                <Link href={`/models/${encodeURIComponent(run.resultVersion.model)}/${encodeURIComponent(run.resultVersion.version)}`}>
                  {run.resultVersion.model}@{run.resultVersion.version}
                </Link>
              ) : (
                <span class="muted">{isActive(run.status) ? 'not yet' : run.request['register'] === false ? 'none (not registered)' : 'none'}</span>
              )}
            </dd>
            <dt>Metric (test)</dt>
            <dd>
              <MetricVerdict metric={run.metric} />
            </dd>
            {run.error ? (
              <>
                <dt>Error</dt>
                <dd class="error">
                  {run.error.code}: {run.error.message}
                </dd>
              </>
            ) : null}
          </dl>
        </section>
        <section aria-labelledby="run-what-title">
          <h2 id="run-what-title">What it trains</h2>
          <dl class="facts">
            <dt>Dataset</dt>
            <dd>
              <Link href={`/datasets/${run.dataset.id}`}>{run.dataset.name ?? run.dataset.id.slice(0, 12)}</Link>
            </dd>
            <dt>Task</dt>
            <dd>
              {run.task} of <code>{run.target}</code>
            </dd>
            <dt>Trainer</dt>
            <dd>{run.trainer}</dd>
            <dt>Model</dt>
            <dd>{run.model}</dd>
            {search ? (
              <>
                <dt>Search</dt>
                <dd>
                  {search.kind}, by validation {search.metric}: <code class="training-wrap">{JSON.stringify(search.space)}</code>
                </dd>
              </>
            ) : null}
            <dt>Params</dt>
            <dd>
              <code class="training-wrap">{JSON.stringify(run.params ?? run.request['params'] ?? {})}</code>
              {run.params ? null : <span class="muted"> (as requested; resolved when trained)</span>}
            </dd>
            <dt>Created</dt>
            <dd>
              <When at={run.createdAt} />
            </dd>
            <dt>Duration</dt>
            <dd>{formatDuration(run.durationMs)}</dd>
          </dl>
        </section>
      </div>
      <LossChart epochs={run.epochs} search={search !== null} />
      {search ? <TrialsTable trials={run.trials} metric={search.metric} /> : null}
      {run.metrics ? <MetricsTable metrics={run.metrics} baseline={run.baselineMetrics} /> : null}
    </>
  );
}
