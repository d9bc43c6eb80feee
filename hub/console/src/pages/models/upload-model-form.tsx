/**
 * Upload an ONNX model as a new version (POST /api/v1/models/{model}/versions): the file goes as
 * the raw body, the options as query parameters. The hub loads the model and runs a probe before
 * storing it; models with dynamic or unusual inputs need the probe's shapes (and values) given.
 */
import { Link } from 'wouter-preact';
import { useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { ErrorNote } from '../../components/status';
import { loadDatasets } from '../datasets/datasets-api';
import { useElapsedSeconds } from './elapsed';
import { Field, hintId } from './field';
import { formatBytes, formatShape } from './format';
import { uploadModel, versionHref, type UploadOutcome, type UploadQuery } from './models-api';
import { SubmitRow } from '../../components/submit-row';

export function UploadModelForm({ onUploaded }: { onUploaded: () => void }) {
  const [model, setModel] = useState('');
  const [version, setVersion] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [probe, setProbe] = useState('');
  const [samples, setSamples] = useState('');
  const [referenceDataset, setReferenceDataset] = useState('');
  const [target, setTarget] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [outcome, setOutcome] = useState<UploadOutcome | undefined>(undefined);
  const elapsed = useElapsedSeconds(busy);
  // The datasets a drift reference profile can be built from; the list is only a convenience.
  const datasets = useResource(loadDatasets, [], { live: (event) => event.action === 'dataset.uploaded' });
  const chosenDataset = datasets.data?.find((dataset) => dataset.id === referenceDataset);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!file) return setError('Choose the .onnx file to upload.');
    const query: UploadQuery = {
      ...(version.trim() ? { version: version.trim() } : {}),
      ...(probe.trim() ? { probe: probe.trim() } : {}),
      ...(samples.trim() ? { samples: samples.trim() } : {}),
      ...(referenceDataset ? { referenceDataset, ...(target ? { target } : {}) } : {}),
    };
    setBusy(true);
    setError(undefined);
    setOutcome(undefined);
    try {
      setOutcome(await uploadModel(model.trim(), query, file));
      onUploaded();
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="upload-model-title">
      <h2 id="upload-model-title">Upload a model</h2>
      <form onSubmit={(event) => void submit(event)}>
        <div class="form-grid">
          <Field id="upload-model-name" label="Model name" hint="letters, digits, . _ -; an existing model gets a new version">
            <input id="upload-model-name" required maxLength={64} pattern="[A-Za-z0-9._\-]+" value={model} onInput={(e) => setModel(e.currentTarget.value)} aria-describedby={hintId('upload-model-name')} />
          </Field>
          <Field id="upload-model-version" label="Version label (optional)" hint="default: the next release counter">
            <input id="upload-model-version" maxLength={64} value={version} onInput={(e) => setVersion(e.currentTarget.value)} aria-describedby={hintId('upload-model-version')} />
          </Field>
          <Field id="upload-model-file" label="ONNX file">
            <input id="upload-model-file" type="file" required accept=".onnx,application/octet-stream" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
          </Field>
          <Field
            id="upload-model-probe"
            label="Probe inputs (optional JSON)"
            wide
            hint="the shapes (and values) of the inputs the hub runs once before accepting the model; needed when an input has dimensions the hub cannot guess"
          >
            <textarea id="upload-model-probe" rows={2} value={probe} onInput={(e) => setProbe(e.currentTarget.value)} aria-describedby={hintId('upload-model-probe')} placeholder='{"input": {"dims": [1, 512]}, "sr": {"dims": [], "data": [16000]}}' />
          </Field>
          <Field id="upload-model-samples" label="Sample inputs id (optional)" hint="from POST /api/v1/sample-inputs: the probe, calibration and the int8 gate use them">
            <input id="upload-model-samples" value={samples} onInput={(e) => setSamples(e.currentTarget.value)} aria-describedby={hintId('upload-model-samples')} />
          </Field>
          <Field id="upload-model-reference" label="Drift reference dataset (optional)" hint="the hub runs the model on its rows and signs the drift reference into the release">
            <select id="upload-model-reference" value={referenceDataset} onChange={(e) => setReferenceDataset(e.currentTarget.value)} aria-describedby={hintId('upload-model-reference')}>
              <option value="">none</option>
              {(datasets.data ?? []).map((dataset) => (
                <option key={dataset.id} value={dataset.id}>
                  {dataset.name} ({dataset.rows} rows)
                </option>
              ))}
            </select>
          </Field>
          {chosenDataset ? (
            <Field id="upload-model-target" label="Label column to leave out">
              <select id="upload-model-target" value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
                <option value="">none</option>
                {chosenDataset.columns.map((column) => (
                  <option key={column.name} value={column.name}>
                    {column.name}
                  </option>
                ))}
              </select>
            </Field>
          ) : null}
        </div>
        <SubmitRow label="Upload" busy={busy} working={file ? `Uploading ${file.name} (${formatBytes(file.size)}), then loading and probing it… ${elapsed} s` : null} />
      </form>
      <ErrorNote error={error} />
      {outcome ? <UploadedNote outcome={outcome} /> : null}
    </section>
  );
}

function UploadedNote({ outcome }: { outcome: UploadOutcome }) {
  return (
    <div class="outcome" role="status">
      <p>
        Stored <Link href={versionHref(outcome.model, outcome.version)}>{`${outcome.model}@${outcome.version}`}</Link> (release {outcome.releaseCounter},{' '}
        {formatBytes(outcome.size)}).
      </p>
      <p class="muted">
        Inputs: {outcome.io.inputs.map((io) => `${io.name} ${io.type} ${formatShape(io.shape)}`).join('; ')}. Outputs:{' '}
        {outcome.io.outputs.map((io) => `${io.name} ${io.type} ${formatShape(io.shape)}`).join('; ')}.
      </p>
      {outcome.reference ? (
        <p>
          Drift reference from {outcome.reference.modelRows} of {outcome.reference.rows} dataset rows, columns {outcome.reference.columns.join(', ')}.
        </p>
      ) : null}
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
