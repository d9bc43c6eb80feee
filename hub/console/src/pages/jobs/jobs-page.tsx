/**
 * #/jobs: the hub's scheduled jobs (GET /api/v1/jobs): schedule, next and last run, runs on this
 * replica (ran, skipped because another replica holds the lease, failed), the last error; and
 * Run now (POST /api/v1/jobs/{name}/run) after a confirmation, with the run's outcome. Job runs
 * write no audit row of their own, so the page polls (often while one runs).
 */
import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { ConfirmButton } from '../../components/confirm';
import { Badge, Empty, ErrorNote, Loading, PageTitle, When } from '../../components/status';
import { Can } from '../../scope';
import { JsonDetails } from '../audit/json-details';
import '../audit/audit.css';
import './jobs.css';

const RUNNING_POLL_MS = 2_000;
const IDLE_POLL_MS = 30_000;

const duration = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

export function JobsPage() {
  const jobs = useResource(async () => ok(await api.GET('/api/v1/jobs')), [], {
    pollMs: (data) => (data?.jobs.some((j) => j.running) ? RUNNING_POLL_MS : IDLE_POLL_MS),
  });
  const [outcome, setOutcome] = useState<string>('');
  const run = async (name: string) => {
    setOutcome(`${name} is running…`);
    let result;
    try {
      result = ok(await api.POST('/api/v1/jobs/{name}/run', { params: { path: { name } } }));
    } catch (failure) {
      // The dialog shows the API's error.
      setOutcome('');
      throw failure;
    }
    setOutcome(result.ok ? `${name} ran in ${duration(result.durationMs)}.` : `${name} failed: ${result.error ?? 'no error message'}`);
    jobs.reload();
  };
  const rows = jobs.data?.jobs;
  return (
    <>
      <PageTitle>Jobs</PageTitle>
      <ErrorNote error={jobs.error} />
      <p class="hint" role="status">
        {outcome}
      </p>
      {!rows ? (
        jobs.error ? null : <Loading what="the jobs" />
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Schedule</th>
              <th scope="col">Next run</th>
              <th scope="col">Last run</th>
              <th scope="col" class="num">Ran</th>
              <th scope="col" class="num">Skipped</th>
              <th scope="col" class="num">Failed</th>
              <th scope="col">Last error</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? <Empty colSpan={9}>No scheduled jobs.</Empty> : null}
            {rows.map((job) => (
              <tr key={job.name}>
                <th scope="row">
                  {job.name} {job.running ? <Badge value="running" /> : null}
                  <div class="hint job-description">{job.description}</div>
                </th>
                <td>
                  <code>{job.schedule}</code>
                </td>
                <td>
                  <When at={job.nextRunAt} />
                </td>
                <td>
                  {job.lastRun ? (
                    <>
                      <When at={job.lastRun.startedAt} /> <Badge value={job.lastRun.skipped ? 'skipped' : job.lastRun.ok ? 'ok' : 'failed'} />
                      <div class="hint">
                        {job.lastRun.reason}, {duration(job.lastRun.durationMs)}
                      </div>
                      <JsonDetails value={job.lastRun.result} summary={`Result of ${job.name}`} />
                    </>
                  ) : (
                    <span class="muted">not yet</span>
                  )}
                </td>
                <td class="num">{job.counts.ran}</td>
                <td class="num">{job.counts.skipped}</td>
                <td class="num">{job.counts.failed}</td>
                <td>{job.lastRun?.error ? <span class="error-text">{job.lastRun.error}</span> : <span class="muted">—</span>}</td>
                <td>
                  <Can needs="operator" otherwise={<span class="muted">—</span>}>
                    <ConfirmButton label={`Run ${job.name} now`} title={`Run ${job.name} now?`} onConfirm={() => run(job.name)}>
                      <p>{job.description}</p>
                      <p class="hint">It runs after any run in progress; the page shows its outcome.</p>
                    </ConfirmButton>
                  </Can>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
