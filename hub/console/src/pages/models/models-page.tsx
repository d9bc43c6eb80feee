/** Every model with its versions (GET /api/v1/models), and the model upload; reloads as versions are added. */
import { Link } from 'wouter-preact';
import { useResource } from '../../api/use-resource';
import { Empty, ErrorNote, Loading, PageTitle, When } from '../../components/status';
import { Can, NeedsScope } from '../../scope';
import { formatBytes } from './format';
import { isVersionEvent, loadModels, versionHref } from './models-api';
import { UploadModelForm } from './upload-model-form';
import './models.css';

export function ModelsPage() {
  const models = useResource(loadModels, [], { live: (event) => isVersionEvent(event.action) });
  const list = models.data;
  return (
    <>
      <PageTitle>Models</PageTitle>
      <ErrorNote error={models.error} />
      {!list ? (
        <Loading what="the models" />
      ) : (
        <table aria-label="Model versions">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Version</th>
              <th scope="col" class="num">Release</th>
              <th scope="col" class="num">Size</th>
              <th scope="col">SHA-256</th>
              <th scope="col">Added</th>
            </tr>
          </thead>
          {list.length === 0 ? (
            <tbody>
              <Empty colSpan={6}>No model yet: upload one below, or train one from a dataset.</Empty>
            </tbody>
          ) : null}
          {list.map((model) => (
            // one row group per model, named by its header cell; newest release first
            <tbody key={model.name}>
              {[...model.versions]
                .sort((a, b) => b.releaseCounter - a.releaseCounter)
                .map((version, index) => (
                  <tr key={version.version} class={index === 0 ? 'model-first' : undefined}>
                    {index === 0 ? (
                      <th scope="rowgroup" rowSpan={model.versions.length} class="model-name">
                        {model.name}
                      </th>
                    ) : null}
                    <td>
                      <Link href={versionHref(model.name, version.version)}>{version.version}</Link>
                    </td>
                    <td class="num">{version.releaseCounter}</td>
                    <td class="num" title={`${version.size} bytes`}>{formatBytes(version.size)}</td>
                    <td>
                      <code title={version.sha256}>{version.sha256.slice(0, 12)}</code>
                    </td>
                    <td>
                      <When at={version.createdAt} />
                    </td>
                  </tr>
                ))}
            </tbody>
          ))}
        </table>
      )}
      <Can needs="operator" otherwise={<NeedsScope needs="operator" what="Uploading a model" />}>
        <UploadModelForm onUploaded={models.reload} />
      </Can>
    </>
  );
}
