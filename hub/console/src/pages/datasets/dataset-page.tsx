/**
 * One dataset's exploration summary (GET /api/v1/datasets/{id}): each column's numbers and its
 * distribution as a chart, and the class balance of a target column. The target starts as the
 * column that looks like the label (named label, target, class, y or outcome; else the last one)
 * and can be changed or left out; the hub explores against it on request.
 */
import { Link } from 'wouter-preact';
import { useState } from 'preact/hooks';
import { useResource } from '../../api/use-resource';
import { ErrorNote, Loading, PageTitle, When } from '../../components/status';
import { formatBytes } from '../models/format';
import { ClassBalance } from './class-balance';
import { ColumnChart } from './column-chart';
import { ColumnsTable } from './columns-table';
import { loadDataset, type DatasetDetail } from './datasets-api';
import './datasets.css';

const LABEL_NAMES = ['label', 'target', 'class', 'y', 'outcome'];
const PAGE_SIZE = 12;

function guessTarget(columns: DatasetDetail['columns']): string | undefined {
  return columns.find((column) => LABEL_NAMES.includes(column.name.toLowerCase()))?.name ?? columns[columns.length - 1]?.name;
}

/** `choice`: undefined = the guessed target, '' = none, else that column. */
async function loadExplored(id: string, choice: string | undefined): Promise<DatasetDetail> {
  if (choice !== undefined) return loadDataset(id, choice === '' ? undefined : choice);
  const plain = await loadDataset(id, undefined);
  const guess = guessTarget(plain.columns);
  return guess === undefined ? plain : loadDataset(id, guess);
}

export function DatasetPage({ params }: { params: Record<string, string | undefined> }) {
  const id = params.id ?? '';
  // Both belong to one dataset (and the page to one target): another one starts afresh.
  const [chosen, setChosen] = useState<{ id: string; target: string } | undefined>(undefined);
  const choice = chosen?.id === id ? chosen.target : undefined;
  const [paging, setPaging] = useState({ key: '', page: 0 });
  const pageKey = `${id}|${choice ?? ''}`;
  const page = paging.key === pageKey ? paging.page : 0;
  const setPage = (next: number) => setPaging({ key: pageKey, page: next });
  // A dataset never changes (content-addressed): nothing to reload live.
  const dataset = useResource(() => loadExplored(id, choice), [id, choice]);
  const data = dataset.data;
  const target = data?.summary.target?.name;
  const columns = data?.summary.columns ?? [];
  const pages = Math.max(1, Math.ceil(columns.length / PAGE_SIZE));
  const shown = columns.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  return (
    <>
      <PageTitle actions={<Link href="/datasets">All datasets</Link>}>{data ? `Dataset ${data.name}` : 'Dataset'}</PageTitle>
      <ErrorNote error={dataset.error} />
      <div class="target-choice">
        <label for="dataset-target">Explore against target</label>
        <select
          id="dataset-target"
          value={choice ?? target ?? ''}
          disabled={!data && !dataset.error}
          onChange={(e) => setChosen({ id, target: e.currentTarget.value })}
        >
          <option value="">none</option>
          {(data?.columns ?? []).map((column) => (
            <option key={column.name} value={column.name}>
              {column.name}
            </option>
          ))}
        </select>
      </div>
      {!data ? (
        dataset.error ? null : <Loading what="the dataset summary" />
      ) : (
        <>
          <dl class="facts">
            <dt>Rows</dt>
            <dd>{data.rows.toLocaleString('en-US')}</dd>
            <dt>Columns</dt>
            <dd>{data.columns.length}</dd>
            <dt>Size</dt>
            <dd title={`${data.sizeBytes} bytes`}>{formatBytes(data.sizeBytes)}</dd>
            <dt>Id</dt>
            <dd>
              <code>{data.id}</code>
            </dd>
            <dt>Uploaded</dt>
            <dd>
              <When at={data.createdAt} />
            </dd>
          </dl>
          {data.summary.target ? <ClassBalance target={data.summary.target} /> : null}
          <section aria-labelledby="columns-title">
            <h2 id="columns-title">Columns</h2>
            {pages > 1 ? (
              <div class="pager" role="group" aria-label="Column pages">
                <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
                  Previous columns
                </button>
                <span>
                  {page * PAGE_SIZE + 1}–{page * PAGE_SIZE + shown.length} of {columns.length}
                </span>
                <button type="button" disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>
                  Next columns
                </button>
              </div>
            ) : null}
            <ColumnsTable columns={shown} target={target} />
            <div class="column-grid">
              {shown.map((column) => (
                <ColumnChart key={`${column.name}|${target ?? ''}`} column={column} />
              ))}
            </div>
          </section>
        </>
      )}
    </>
  );
}
