/** The runs as a table: state, when, what it trained on, the version it produced, its metric beside the baseline. */
import { Link } from 'wouter-preact';
import { Badge, Empty, Progress, When } from '../../components/status';
import { MetricVerdict } from './metric-verdict';
import { isActive, shortId, type RunSummary } from './types';

interface Props {
  runs: RunSummary[];
  picked: readonly string[];
  onPick(id: string, on: boolean): void;
}

export function RunsTable({ runs, picked, onPick }: Props) {
  return (
    <table class="training-runs" aria-label="Training runs">
      <thead>
        <tr>
          <th scope="col">Compare</th>
          <th scope="col">Run</th>
          <th scope="col">State</th>
          <th scope="col">Created</th>
          <th scope="col">Dataset</th>
          <th scope="col">Task</th>
          <th scope="col">Version produced</th>
          <th scope="col">Metric (test)</th>
        </tr>
      </thead>
      <tbody>
        {runs.length === 0 ? <Empty colSpan={8}>No training run yet: start one below.</Empty> : null}
        {runs.map((run) => (
          <tr key={run.id}>
            <td>
              <input type="checkbox" id={`pick-${run.id}`} checked={picked.includes(run.id)} onChange={(event) => onPick(run.id, event.currentTarget.checked)} />
              <label for={`pick-${run.id}`} class="training-sr">
                Compare run {shortId(run.id)}
              </label>
            </td>
            <td>
              <Link href={`/training/${run.id}`}>{shortId(run.id)}</Link> <span class="muted">{run.model}</span>
            </td>
            <td>
              <Badge value={run.status} />
              {isActive(run.status) ? (
                <>
                  {' '}
                  <Progress value={Math.round(run.progress * 100)} max={100} label={`run ${shortId(run.id)}: ${Math.round(run.progress * 100)}%, ${run.stage}`} /> <span class="muted">{run.stage}</span>
                </>
              ) : null}
            </td>
            <td>
              <When at={run.createdAt} />
            </td>
            <td>{run.dataset.name ?? <span class="muted">{run.dataset.id.slice(0, 12)} (deleted)</span>}</td>
            <td>
              {run.task} of <code>{run.target}</code> <span class="muted">({run.trainer})</span>
            </td>
            <td>
              {run.resultVersion ? (
                <Link href={`/models/${encodeURIComponent(run.resultVersion.model)}/${encodeURIComponent(run.resultVersion.version)}`}>
                  {run.resultVersion.model}@{run.resultVersion.version}
                </Link>
              ) : (
                <span class="muted">—</span>
              )}
            </td>
            <td>
              <MetricVerdict metric={run.metric} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
