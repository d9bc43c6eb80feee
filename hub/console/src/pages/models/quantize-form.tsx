/**
 * Quantize this version to int8 as a new signed version (POST .../quantize). The hub measures
 * fp32 and int8 on the same inputs and refuses (E_QUALITY_GATE, with the numbers) when int8 loses
 * more than the limits allow; the reply puts the new version's size and accuracy beside this one's.
 */
import { Link } from 'wouter-preact';
import { useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { ErrorNote } from '../../components/status';
import { useElapsedSeconds } from './elapsed';
import { Field, hintId } from './field';
import { formatBytes, formatNumber, formatRatio } from './format';
import { quantizeVersion, versionHref, type QuantizeMode, type QuantizeOutcome, type QuantizeRequest } from './models-api';
import { SubmitRow } from '../../components/submit-row';

const MODES: { value: QuantizeMode; label: string }[] = [
  { value: 'int8-dynamic', label: 'int8 dynamic (MatMul/Gemm: MLPs)' },
  { value: 'int8-static', label: 'int8 static (QDQ with calibration: CNNs)' },
  { value: 'int8-weight-only', label: 'int8 weight-only (any graph)' },
];

/** A blank optional number field is the hub's default; otherwise the number as typed. */
const optionalNumber = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text));
const choice = <T extends string>(value: string, allowed: readonly T[]): T | undefined => allowed.find((option) => option === value);

export function QuantizeForm({ model, version, onQuantized }: { model: string; version: string; onQuantized: () => void }) {
  const [mode, setMode] = useState<QuantizeMode>('int8-dynamic');
  const [perChannel, setPerChannel] = useState('');
  const [method, setMethod] = useState<'minmax' | 'percentile'>('minmax');
  const [percentile, setPercentile] = useState('');
  const [calibrationSamples, setCalibrationSamples] = useState('');
  const [depthwise, setDepthwise] = useState('');
  const [activations, setActivations] = useState('');
  const [fallback, setFallback] = useState(true);
  const [maxAccuracyLossPp, setMaxAccuracyLossPp] = useState('');
  const [minAgreement, setMinAgreement] = useState('');
  const [maxMetricLossPp, setMaxMetricLossPp] = useState('');
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [outcome, setOutcome] = useState<QuantizeOutcome | undefined>(undefined);
  const elapsed = useElapsedSeconds(busy);
  const isStatic = mode === 'int8-static';

  const request = (): QuantizeRequest => {
    const depth = choice(depthwise, ['float', 'int8'] as const);
    const activation = choice(activations, ['uint8', 'int8'] as const);
    const samples = optionalNumber(calibrationSamples);
    const pct = optionalNumber(percentile);
    const accuracyLoss = optionalNumber(maxAccuracyLossPp);
    const agreement = optionalNumber(minAgreement);
    const metricLoss = optionalNumber(maxMetricLossPp);
    return {
      mode,
      ...(perChannel === '' ? {} : { perChannel: perChannel === 'yes' }),
      // static-only settings go only with int8-static (the hub refuses them otherwise)
      ...(isStatic
        ? {
            calibration: { method, ...(method === 'percentile' && pct !== undefined ? { percentile: pct } : {}), ...(samples !== undefined ? { samples } : {}) },
            ...(depth ? { depthwise: depth } : {}),
            ...(activation ? { activations: activation } : {}),
            accuracyFallback: fallback,
          }
        : {}),
      ...(accuracyLoss !== undefined ? { maxAccuracyLossPp: accuracyLoss } : {}),
      ...(agreement !== undefined ? { minAgreement: agreement } : {}),
      ...(metricLoss !== undefined ? { maxMetricLossPp: metricLoss } : {}),
      ...(label.trim() ? { version: label.trim() } : {}),
    };
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setOutcome(undefined);
    try {
      setOutcome(await quantizeVersion(model, version, request()));
      onQuantized();
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="quantize-title">
      <h2 id="quantize-title">Quantize</h2>
      <form onSubmit={(event) => void submit(event)}>
        <div class="form-grid">
          <Field id="quantize-mode" label="Method">
            <select id="quantize-mode" value={mode} onChange={(e) => setMode(choice(e.currentTarget.value, MODES.map((m) => m.value)) ?? 'int8-dynamic')}>
              {MODES.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
          </Field>
          <Field id="quantize-per-channel" label="Per-channel weight scales">
            <select id="quantize-per-channel" value={perChannel} onChange={(e) => setPerChannel(e.currentTarget.value)}>
              <option value="">default (no for dynamic, yes otherwise)</option>
              <option value="yes">yes</option>
              <option value="no">no</option>
            </select>
          </Field>
          <Field id="quantize-label" label="New version label (optional)" hint="default: its release counter">
            <input id="quantize-label" maxLength={64} value={label} onInput={(e) => setLabel(e.currentTarget.value)} aria-describedby={hintId('quantize-label')} />
          </Field>
        </div>
        {isStatic ? (
          <fieldset>
            <legend>Calibration (int8-static)</legend>
            <div class="form-grid">
              <Field id="quantize-calibration" label="Activation ranges">
                <select id="quantize-calibration" value={method} onChange={(e) => setMethod(e.currentTarget.value === 'percentile' ? 'percentile' : 'minmax')}>
                  <option value="minmax">min–max</option>
                  <option value="percentile">percentile</option>
                </select>
              </Field>
              {method === 'percentile' ? (
                <Field id="quantize-percentile" label="Percentile" hint="above 50, at most 100; default 99.999">
                  <input id="quantize-percentile" type="number" step="any" min={50} max={100} value={percentile} onInput={(e) => setPercentile(e.currentTarget.value)} aria-describedby={hintId('quantize-percentile')} />
                </Field>
              ) : null}
              <Field id="quantize-calibration-samples" label="Calibration batches" hint="default: all">
                <input id="quantize-calibration-samples" type="number" min={1} max={10000} step={1} value={calibrationSamples} onInput={(e) => setCalibrationSamples(e.currentTarget.value)} aria-describedby={hintId('quantize-calibration-samples')} />
              </Field>
              <Field id="quantize-depthwise" label="Depthwise convolutions">
                <select id="quantize-depthwise" value={depthwise} onChange={(e) => setDepthwise(e.currentTarget.value)}>
                  <option value="">default (stay float)</option>
                  <option value="float">float</option>
                  <option value="int8">int8</option>
                </select>
              </Field>
              <Field id="quantize-activations" label="Activation type">
                <select id="quantize-activations" value={activations} onChange={(e) => setActivations(e.currentTarget.value)}>
                  <option value="">default (uint8)</option>
                  <option value="uint8">uint8 with 8-bit weights</option>
                  <option value="int8">int8 with 7-bit weights</option>
                </select>
              </Field>
              <div class="field">
                <label class="check" for="quantize-fallback">
                  <input id="quantize-fallback" type="checkbox" checked={fallback} onChange={(e) => setFallback(e.currentTarget.checked)} />
                  Keep the most harmful activations float when int8 misses the gate
                </label>
              </div>
            </div>
          </fieldset>
        ) : null}
        <fieldset>
          <legend>Quality gate (blank: the hub's default)</legend>
          <div class="form-grid">
            <Field id="quantize-max-accuracy-loss" label="Largest accuracy loss (pp)" hint="labelled versions; default 1">
              <input id="quantize-max-accuracy-loss" type="number" step="any" min={0} max={100} value={maxAccuracyLossPp} onInput={(e) => setMaxAccuracyLossPp(e.currentTarget.value)} aria-describedby={hintId('quantize-max-accuracy-loss')} />
            </Field>
            <Field id="quantize-min-agreement" label="Smallest agreement with fp32" hint="unlabelled versions; default 0.99">
              <input id="quantize-min-agreement" type="number" step="any" min={0} max={1} value={minAgreement} onInput={(e) => setMinAgreement(e.currentTarget.value)} aria-describedby={hintId('quantize-min-agreement')} />
            </Field>
            <Field id="quantize-max-metric-loss" label="Largest primary-metric loss (pp)" hint="labelled data; default 1">
              <input id="quantize-max-metric-loss" type="number" step="any" min={0} max={100} value={maxMetricLossPp} onInput={(e) => setMaxMetricLossPp(e.currentTarget.value)} aria-describedby={hintId('quantize-max-metric-loss')} />
            </Field>
          </div>
        </fieldset>
        <SubmitRow label="Quantize" busy={busy} working={`Quantizing ${model}@${version} (${mode}), measuring fp32 and int8 on the same inputs… ${elapsed} s`} />
      </form>
      <ErrorNote error={error} />
      {outcome ? <QuantizedNote outcome={outcome} /> : null}
    </section>
  );
}

function QuantizedNote({ outcome }: { outcome: QuantizeOutcome }) {
  const { source, result } = outcome;
  const quality = result.accuracy !== undefined ? { name: 'accuracy', source: source.accuracy, result: result.accuracy } : { name: 'agreement with fp32', source: source.agreement, result: result.agreement };
  return (
    <div class="outcome" role="status">
      <p>
        New version <Link href={versionHref(outcome.model, outcome.version)}>{`${outcome.model}@${outcome.version}`}</Link> ({outcome.quantization}), evaluated on {result.evaluatedOn}.
      </p>
      <table aria-label="The new version beside its source">
        <thead>
          <tr>
            <th scope="col">Measure</th>
            <th scope="col" class="num">Source {source.version}</th>
            <th scope="col" class="num">New {outcome.version}</th>
            <th scope="col" class="num">Ratio</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">size</th>
            <td class="num">{formatBytes(source.size)}</td>
            <td class="num">{formatBytes(result.size)}</td>
            <td class="num">{formatRatio(result.size, source.size)}</td>
          </tr>
          <tr>
            <th scope="row">{quality.name}</th>
            <td class="num">{formatNumber(quality.source)}</td>
            <td class="num">{formatNumber(quality.result)}</td>
            <td class="num muted">—</td>
          </tr>
          <tr>
            <th scope="row">latency, batch of 1 (ms)</th>
            <td class="num">{formatNumber(source.latencyMs.batch1)}</td>
            <td class="num">{formatNumber(result.latencyMs.batch1)}</td>
            <td class="num">{formatRatio(result.latencyMs.batch1, source.latencyMs.batch1)}</td>
          </tr>
        </tbody>
      </table>
      {outcome.warnings.length > 0 ? (
        <ul class="warning-list">
          {outcome.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
