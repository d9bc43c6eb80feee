/** '/training': the runs, newest first, with a pick-to-compare column, and the form that starts a run or a search. */
import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { ErrorNote, Loading, PageTitle } from '../../components/status';
import { Can, NeedsScope } from '../../scope';
import { compareHash } from './compare-ids';
import { RunsTable } from './runs-table';
import { StartForm } from './start-form';
import { isActive, isTrainingEvent } from './types';
import './training.css';

export function TrainingRunsPage() {
  // The audit trail tells of runs created and cancelled and of versions trained, not of a run's
  // progress or its end: poll while any run is queued or running.
  const runs = useResource(async () => ok(await api.GET('/api/v1/training-runs')).runs, [], {
    live: isTrainingEvent,
    pollMs: (data) => (data?.some((run) => isActive(run.status)) ? 1_000 : undefined),
  });
  const [picked, setPicked] = useState<string[]>([]);
  const toggle = (id: string, on: boolean) => setPicked((current) => (on ? [...current.filter((other) => other !== id), id] : current.filter((other) => other !== id)));
  return (
    <>
      <PageTitle
        actions={
          <button type="button" class="primary" disabled={picked.length < 2} onClick={() => void (location.hash = compareHash(picked))} aria-describedby="training-compare-hint">
            Compare{picked.length > 0 ? ` (${picked.length})` : ''}
          </button>
        }
      >
        Training runs
      </PageTitle>
      <p id="training-compare-hint" class="hint">
        Tick two or more runs to compare their params and metrics side by side.
      </p>
      <ErrorNote error={runs.error} />
      {runs.data ? <RunsTable runs={runs.data} picked={picked} onPick={toggle} /> : runs.error ? null : <Loading what="training runs" />}
      <Can needs="operator" otherwise={<NeedsScope needs="operator" what="Starting a training run" />}>
        <StartForm />
      </Can>
    </>
  );
}
