/** Readable views of models, versions, uploads and quantization results. Pure. */
import type { ModelList, Quantized, SampleInputs, Uploaded, VersionDetail } from '../api-types';
import { bytes, keyValues, num, percent, table, time, shortTime } from '../output';

type IoSpec = Uploaded['io']['inputs'][number];
/** Symbolic dims come as names, or '' when the file gives none. */
const io = (spec: IoSpec): string => `${spec.name} ${spec.type} [${spec.shape.map((d) => (d === '' ? '?' : String(d))).join(',')}]`;

export function modelsTable(models: ModelList['models'], width: number): string[] {
  const rows = models.flatMap((m) => m.versions.map((v) => [m.name, v.version, String(v.releaseCounter), bytes(v.size), v.sha256.slice(0, 12), shortTime(v.createdAt)]));
  if (rows.length === 0) return ['No models.'];
  return table(['MODEL', 'VERSION', 'RELEASE', 'SIZE', 'SHA256', 'CREATED'], rows, { width, right: [2, 3] });
}

const metricsText = (metrics: Record<string, number> | undefined): string =>
  metrics === undefined
    ? '-'
    : Object.entries(metrics)
        .filter(([name]) => !name.includes('['))
        .map(([name, value]) => `${name} ${num(value)}`)
        .join(', ') || '-';

export function versionDetailView(v: VersionDetail, width: number): string[] {
  const { lineage } = v.manifest;
  const probe = v.manifest.probe;
  const inputs = Object.entries(v.probe.inputs)
    .map(([name, t]) => `${name} [${t.dims.join(',')}]`)
    .join(', ');
  const probeText = `${'sha256' in probe ? `blob ${probe.sha256.slice(0, 12)} (${bytes(probe.size)})` : 'inline'}, inputs ${inputs}`;
  return keyValues(
    [
      ['model', v.model],
      ['version', v.version],
      ['release', String(v.releaseCounter)],
      ['sha256', v.sha256],
      ['size', `${bytes(v.size)} (${v.size} bytes)`],
      ['quantization', v.manifest.quantization],
      ['opset', v.opset === null ? '-' : String(v.opset)],
      ['created', time(v.createdAt)],
      ...v.io.inputs.map((spec, i) => [i === 0 ? 'inputs' : '', io(spec)] as const),
      ...v.io.outputs.map((spec, i) => [i === 0 ? 'outputs' : '', io(spec)] as const),
      ['probe', probeText],
      ['reference', v.manifest.reference ? 'yes: drift is judged against it' : 'none (drift views answer 409)'],
      ['source', lineage.source ?? '-'],
      ['parent', lineage.parent ?? '-'],
      ['dataset', lineage.dataset ?? '-'],
      ['metrics', metricsText(lineage.metrics)],
    ],
    width,
  );
}

/** The versions of one model (from the list). */
export function modelVersions(model: ModelList['models'][number], width: number): string[] {
  return [`Model ${model.name}, created ${time(model.createdAt)}:`, ...modelsTable([model], width)];
}

export function sampleInputsView(s: SampleInputs, width: number): string[] {
  return keyValues(
    [
      ['samples', s.id],
      ['format', `${s.format}, ${bytes(s.size)}`],
      ...s.arrays.map((a, i) => [i === 0 ? 'arrays' : '', `${a.name || '(single)'} ${a.dtype} [${a.shape.join(',')}]`] as const),
    ],
    width,
  );
}

export function uploadedView(u: Uploaded, width: number): string[] {
  return [
    ...keyValues(
      [
        ['uploaded', `${u.model}@${u.version} (release ${u.releaseCounter})`],
        ['sha256', u.sha256],
        ['size', bytes(u.size)],
        ...u.io.inputs.map((spec, i) => [i === 0 ? 'inputs' : '', io(spec)] as const),
        ...u.io.outputs.map((spec, i) => [i === 0 ? 'outputs' : '', io(spec)] as const),
        ['samples', u.samples ? `${u.samples.count} from ${u.samples.id.slice(0, 12)} (${u.samples.inputs.join(', ')}${u.samples.labels ? ', labelled' : ''})` : 'none'],
        ['reference', u.reference ? `dataset ${u.reference.dataset.slice(0, 12)}, ${u.reference.rows} rows, columns ${u.reference.columns.join(',')}` : 'none'],
      ],
      width,
    ),
    ...u.warnings.map((w) => `warning: ${w}`),
  ];
}

type Side = Omit<Quantized['source'], 'version'>;
const quality = (side: Side): string => [side.accuracy !== undefined ? `accuracy ${percent(side.accuracy, 2)}` : '', side.agreement !== undefined ? `agreement ${percent(side.agreement, 2)}` : '', side.metrics ? metricsText(side.metrics) : ''].filter(Boolean).join(', ') || '-';
const latency = (side: Side): string => `${num(side.latencyMs.batch1, 3)} ms${side.latencyMs.batch64 !== undefined ? `, batch 64 ${num(side.latencyMs.batch64, 3)} ms` : ''}`;

export function quantizedView(q: Quantized, width: number): string[] {
  return [
    `${q.model}@${q.version}: ${q.quantization} of ${q.model}@${q.source.version}`,
    ...table(
      ['', 'SOURCE (fp32)', 'RESULT (int8)'],
      [
        ['size', bytes(q.source.size), `${bytes(q.result.size)} (${num(q.result.sizeRatio, 2)}x)`],
        ['quality', quality(q.source), quality(q.result)],
        ['latency', latency(q.source), latency(q.result)],
      ],
      { width },
    ),
    ...keyValues([['evaluated on', q.result.evaluatedOn]], width),
    ...q.warnings.map((w) => `warning: ${w}`),
  ];
}

