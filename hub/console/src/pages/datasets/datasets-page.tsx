/** The datasets (GET /api/v1/datasets, newest first) and the CSV upload; reloads as datasets are uploaded. */
import { Link } from 'wouter-preact';
import { useResource } from '../../api/use-resource';
import { Empty, ErrorNote, Loading, PageTitle, When } from '../../components/status';
import { Can, NeedsScope } from '../../scope';
import { formatBytes } from '../models/format';
import { datasetHref, loadDatasets } from './datasets-api';
import { UploadDatasetForm } from './upload-dataset-form';
import './datasets.css';

export function DatasetsPage() {
  const datasets = useResource(loadDatasets, [], { live: (event) => event.action === 'dataset.uploaded' });
  const list = datasets.data;
  return (
    <>
      <PageTitle>Datasets</PageTitle>
      <ErrorNote error={datasets.error} />
      {!list ? (
        <Loading what="the datasets" />
      ) : (
        <table aria-label="Datasets">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" class="num">Rows</th>
              <th scope="col" class="num">Columns</th>
              <th scope="col" class="num">Size</th>
              <th scope="col">Id</th>
              <th scope="col">Uploaded</th>
            </tr>
          </thead>
          <tbody>
            {list.length === 0 ? <Empty colSpan={6}>No dataset yet: upload a CSV below.</Empty> : null}
            {list.map((dataset) => (
              <tr key={dataset.id}>
                <td>
                  <Link href={datasetHref(dataset.id)}>{dataset.name}</Link>
                </td>
                <td class="num">{dataset.rows.toLocaleString('en-US')}</td>
                <td class="num">{dataset.columns.length}</td>
                <td class="num" title={`${dataset.sizeBytes} bytes`}>{formatBytes(dataset.sizeBytes)}</td>
                <td>
                  <code title={dataset.id}>{dataset.id.slice(0, 12)}</code>
                </td>
                <td>
                  <When at={dataset.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Can needs="operator" otherwise={<NeedsScope needs="operator" what="Uploading a dataset" />}>
        <UploadDatasetForm onUploaded={datasets.reload} />
      </Can>
    </>
  );
}
