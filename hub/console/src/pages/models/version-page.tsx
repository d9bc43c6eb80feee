/**
 * One model version and its lineage, from the signed release manifest: where it came from
 * (upload, a training run on a dataset, or quantization of a parent), its parameters, its
 * metrics beside the baseline, and beside its source (size and accuracy with ratios); the
 * versions made from it; quantizing it into a new version.
 */
import { Link } from 'wouter-preact';
import { useState } from 'preact/hooks';
import { useResource } from '../../api/use-resource';
import { Badge, ErrorNote, Loading, PageTitle, When } from '../../components/status';
import { Can } from '../../scope';
import { datasetHref } from '../datasets/datasets-api';
import { BaselineMetrics } from './baseline-metrics';
import { CompareSource } from './compare-source';
import { DerivedVersions } from './derived-versions';
import { formatBytes } from './format';
import { IoTable } from './io-table';
import { LineageParams, QuantizationFacts } from './lineage-params';
import { loadVersion, parseRef, versionHref, type VersionDetail } from './models-api';
import { QuantizeForm } from './quantize-form';
import './models.css';

const TRAINING_SOURCE = 'training-run:';

function SourceText({ source }: { source: string | undefined }) {
  if (source === undefined) return <>uploaded</>;
  if (source.startsWith(TRAINING_SOURCE)) {
    const run = source.slice(TRAINING_SOURCE.length);
    return (
      <>
        training run <Link href={`/training/${encodeURIComponent(run)}`}>{run}</Link>
      </>
    );
  }
  return <>{source}</>;
}

function Facts({ detail }: { detail: VersionDetail }) {
  const { lineage } = detail.manifest;
  const parent = lineage.parent === undefined ? null : parseRef(lineage.parent);
  return (
    <dl class="facts">
      <dt>Made by</dt>
      <dd>
        <SourceText source={lineage.source} />
      </dd>
      {lineage.dataset ? (
        <>
          <dt>Dataset</dt>
          <dd>
            <Link href={datasetHref(lineage.dataset)}>
              <code>{lineage.dataset.slice(0, 12)}</code>
            </Link>
          </dd>
        </>
      ) : null}
      {lineage.parent ? (
        <>
          <dt>Parent</dt>
          <dd>{parent ? <Link href={versionHref(parent.model, parent.version)}>{lineage.parent}</Link> : lineage.parent}</dd>
        </>
      ) : null}
      <dt>Release</dt>
      <dd>{detail.releaseCounter}</dd>
      {detail.archivedAt ? (
        <>
          <dt>Archived</dt>
          <dd>
            <span class="badge">archived</span> since {detail.archivedAt}: no new assignments, shadows, rollouts or quantization
          </dd>
        </>
      ) : null}
      <dt>Size</dt>
      <dd title={`${detail.size} bytes`}>{formatBytes(detail.size)}</dd>
      <dt>SHA-256</dt>
      <dd>
        <code>{detail.sha256}</code>
      </dd>
      <dt>Opset</dt>
      <dd>{detail.opset ?? '—'}</dd>
      {lineage.codeVersion ? (
        <>
          <dt>Code version</dt>
          <dd>
            <code>{lineage.codeVersion}</code>
          </dd>
        </>
      ) : null}
      <dt>Drift reference</dt>
      <dd>{detail.manifest.reference ? 'signed into the release' : 'none'}</dd>
      <dt>Added</dt>
      <dd>
        <When at={detail.createdAt} />
      </dd>
    </dl>
  );
}

/** The parent's detail, when the lineage names one; a parent that cannot be read is said so. */
function ParentComparison({ detail }: { detail: VersionDetail }) {
  const ref = detail.manifest.lineage.parent === undefined ? null : parseRef(detail.manifest.lineage.parent);
  const parent = useResource(async () => (ref ? loadVersion(ref.model, ref.version) : null), [ref?.model, ref?.version]);
  if (!ref) return null;
  if (parent.error) return <ErrorNote error={`The source ${detail.manifest.lineage.parent}: ${parent.error}`} />;
  if (!parent.data) return <Loading what="the source version" />;
  return <CompareSource detail={detail} parent={parent.data} />;
}

export function VersionPage({ params }: { params: Record<string, string | undefined> }) {
  const model = params.model ?? '';
  const version = params.version ?? '';
  const [quantized, setQuantized] = useState(0);
  // A version never changes once registered: no live reload; what is made from it reloads below.
  const detail = useResource(() => loadVersion(model, version), [model, version]);
  const data = detail.data;
  return (
    <>
      <PageTitle actions={<Link href="/models">All models</Link>}>
        {model}@{version}
      </PageTitle>
      <ErrorNote error={detail.error} />
      {!data ? (
        detail.error ? null : <Loading what="the version" />
      ) : (
        <>
          <p>
            <Badge value={data.manifest.quantization === 'none' ? 'fp32' : data.manifest.quantization} />
          </p>
          <div class="columns">
            <section aria-labelledby="lineage-title">
              <h2 id="lineage-title">Lineage</h2>
              <Facts detail={data} />
            </section>
            <IoTable io={data.io} />
          </div>
          <ParentComparison detail={data} />
          <BaselineMetrics lineage={data.manifest.lineage} />
          <QuantizationFacts mode={data.manifest.quantization} lineage={data.manifest.lineage} />
          <LineageParams lineage={data.manifest.lineage} />
          <DerivedVersions source={data} refresh={quantized} />
          {data.manifest.quantization === 'none' ? (
            <Can needs="operator">
              <QuantizeForm key={`${model}@${version}`} model={model} version={version} onQuantized={() => setQuantized((count) => count + 1)} />
            </Can>
          ) : null}
        </>
      )}
    </>
  );
}
