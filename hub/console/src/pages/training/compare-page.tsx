/**
 * '#/training/compare?ids=a,b,c': the runs side by side, one column per run; rows whose values
 * differ are marked "differs" (a word and a highlight), the best test metric "best".
 */
import { useState } from 'preact/hooks';
import { Link, useSearch } from 'wouter-preact';
import { api, ok } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { Badge, ErrorNote, Loading, PageTitle } from '../../components/status';
import { compareIds } from './compare-ids';
import { compareGroups, type CompareRow } from './compare-rows';
import { isActive, isTrainingEvent, shortId, type RunDetail } from './types';
import './training.css';

export function ComparePage() {
  const ids = compareIds(useSearch());
  const runs = useResource(async () => Promise.all(ids.map(async (id) => ok(await api.GET('/api/v1/training-runs/{id}', { params: { path: { id } } })))), [ids.join(',')], {
    live: isTrainingEvent,
    pollMs: (data) => (data?.some((run) => isActive(run.status)) ? 1_000 : undefined),
  });
  return (
    <>
      <PageTitle>Compare training runs</PageTitle>
      <p>
        <Link href="/training">All training runs</Link>
      </p>
      <ErrorNote error={runs.error} />
      {ids.length < 2 ? (
        <p class="muted">Pick two or more runs on the training runs page to compare them.</p>
      ) : runs.data ? (
        <CompareTable runs={runs.data} />
      ) : runs.error ? null : (
        <Loading what="the runs" />
      )}
    </>
  );
}

function CompareTable({ runs }: { runs: RunDetail[] }) {
  const [onlyDifferences, setOnlyDifferences] = useState(false);
  const groups = compareGroups(runs);
  const all = groups.flatMap((group) => group.rows);
  const differing = all.filter((row) => row.differs).length;
  return (
    <>
      <div class="training-toolbar">
        <p class="training-summary" role="status">
          {differing} of {all.length} rows differ.
        </p>
        <label class="training-check">
          <input type="checkbox" checked={onlyDifferences} onChange={(event) => setOnlyDifferences(event.currentTarget.checked)} /> Show only the rows that differ
        </label>
      </div>
      <div class="training-wide">
        <table class="training-compare">
          <caption class="training-sr">Params and metrics of {runs.length} training runs, one column per run</caption>
          <thead>
            <tr>
              <th scope="col">Field</th>
              {runs.map((run) => (
                <th scope="col" key={run.id}>
                  <Link href={`/training/${run.id}`}>Run {shortId(run.id)}</Link> <Badge value={run.status} />
                  <div class="muted">{run.model}</div>
                </th>
              ))}
            </tr>
          </thead>
          {groups.map((group) => {
            const rows = onlyDifferences ? group.rows.filter((row) => row.differs) : group.rows;
            if (rows.length === 0) return null;
            return (
              <tbody key={group.title}>
                <tr>
                  <th scope="rowgroup" colSpan={runs.length + 1} class="training-group">
                    {group.title}
                  </th>
                </tr>
                {rows.map((row) => (
                  <Row key={`${group.title}-${row.label}`} row={row} />
                ))}
              </tbody>
            );
          })}
        </table>
      </div>
    </>
  );
}

function Row({ row }: { row: CompareRow }) {
  return (
    <tr class={row.differs ? 'training-differs' : ''}>
      <th scope="row">
        {row.label}
        {row.differs ? <span class="badge tone-warn training-tag">differs</span> : null}
      </th>
      {row.values.map((value, i) => (
        <td key={i}>
          {row.best.includes(i) ? (
            <>
              <strong>{value}</strong> <span class="badge tone-good">best</span>
            </>
          ) : (
            value
          )}
        </td>
      ))}
    </tr>
  );
}
