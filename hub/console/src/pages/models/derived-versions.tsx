/**
 * The versions made from this one (quantized or retrained: their lineage names it as parent),
 * each with its size beside this one's. Only newer versions of the same model can be, so only
 * their details are read (at most the 20 newest); reloads as versions are added.
 */
import { Link } from 'wouter-preact';
import { useResource } from '../../api/use-resource';
import { ErrorNote } from '../../components/status';
import { formatBytes, formatNumber, formatRatio } from './format';
import { isVersionEvent, loadModels, loadVersion, versionHref, type VersionDetail } from './models-api';

const MAX_CANDIDATES = 20;

async function loadDerived(source: VersionDetail): Promise<VersionDetail[]> {
  const model = (await loadModels()).find((entry) => entry.name === source.model);
  const newer = (model?.versions ?? [])
    .filter((entry) => entry.releaseCounter > source.releaseCounter)
    .sort((a, b) => b.releaseCounter - a.releaseCounter)
    .slice(0, MAX_CANDIDATES);
  const details = await Promise.all(newer.map((entry) => loadVersion(source.model, entry.version)));
  const ref = `${source.model}@${source.version}`;
  return details.filter((detail) => detail.manifest.lineage.parent === ref);
}

/** `refresh` changes when this page made a version (the audit stream brings the others). */
export function DerivedVersions({ source, refresh }: { source: VersionDetail; refresh: number }) {
  const derived = useResource(() => loadDerived(source), [source.sha256, source.version, refresh], {
    live: (event) => isVersionEvent(event.action) && event.subject === `model:${source.model}`,
  });
  const list = derived.data;
  if (derived.error) return <ErrorNote error={derived.error} />;
  if (!list || list.length === 0) return null;
  return (
    <section aria-labelledby="derived-title">
      <h2 id="derived-title">Versions made from this one</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Made by</th>
            <th scope="col" class="num">Size</th>
            <th scope="col" class="num">Size ÷ this</th>
            <th scope="col" class="num">Accuracy (this → it)</th>
            <th scope="col" class="num">Agreement</th>
          </tr>
        </thead>
        <tbody>
          {list.map((detail) => {
            const metrics = detail.manifest.lineage.metrics ?? {};
            return (
              <tr key={detail.version}>
                <td>
                  <Link href={versionHref(detail.model, detail.version)}>{detail.version}</Link>
                </td>
                <td>{detail.manifest.lineage.source ?? '—'}</td>
                <td class="num">{formatBytes(detail.size)}</td>
                <td class="num">{formatRatio(detail.size, source.size)}</td>
                <td class="num">{metrics.accuracy === undefined ? '—' : `${formatNumber(metrics.sourceAccuracy)} → ${formatNumber(metrics.accuracy)}`}</td>
                <td class="num">{formatNumber(metrics.agreement)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
