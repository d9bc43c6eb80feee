/**
 * Upload a CSV (POST /api/v1/datasets?name=, the file as a text/csv body). The hub parses it and
 * builds its exploration summary before answering; the same bytes again answer with the stored
 * dataset (200) instead of a new one.
 */
import { Link } from 'wouter-preact';
import { useState } from 'preact/hooks';
import { errorText } from '../../api/client';
import { ErrorNote } from '../../components/status';
import { useElapsedSeconds } from '../models/elapsed';
import { Field, hintId } from '../models/field';
import { formatBytes } from '../models/format';
import { datasetHref, uploadDataset, type UploadedDataset } from './datasets-api';
import { SubmitRow } from '../../components/submit-row';

/** "Sensor readings (2024).csv" -> "Sensor-readings-2024": a name the API accepts, as a starting point. */
const nameFromFile = (fileName: string): string =>
  fileName
    .replace(/\.[^.]*$/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);

export function UploadDatasetForm({ onUploaded }: { onUploaded: () => void }) {
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [outcome, setOutcome] = useState<UploadedDataset | undefined>(undefined);
  const elapsed = useElapsedSeconds(busy);

  const choose = (chosen: File | null) => {
    setFile(chosen);
    if (chosen && name.trim() === '') setName(nameFromFile(chosen.name));
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!file) return setError('Choose the CSV file to upload.');
    setBusy(true);
    setError(undefined);
    setOutcome(undefined);
    try {
      setOutcome(await uploadDataset(name.trim(), file));
      onUploaded();
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="upload-dataset-title">
      <h2 id="upload-dataset-title">Upload a CSV dataset</h2>
      <form onSubmit={(event) => void submit(event)}>
        <div class="form-grid">
          <Field id="upload-dataset-file" label="CSV file" hint="a header row, then one row per example; at most 64 MiB">
            <input id="upload-dataset-file" type="file" required accept=".csv,text/csv" onChange={(e) => choose(e.currentTarget.files?.[0] ?? null)} aria-describedby={hintId('upload-dataset-file')} />
          </Field>
          <Field id="upload-dataset-name" label="Name" hint="1-64 of letters, digits, . _ -">
            <input id="upload-dataset-name" required maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} aria-describedby={hintId('upload-dataset-name')} />
          </Field>
        </div>
        <SubmitRow label="Upload" busy={busy} working={file ? `Uploading ${file.name} (${formatBytes(file.size)}), then parsing and exploring it… ${elapsed} s` : null} />
      </form>
      <ErrorNote error={error} />
      {outcome ? (
        <p class="outcome" role="status">
          {outcome.created ? 'Stored' : 'Already stored (the same bytes)'}: <Link href={datasetHref(outcome.dataset.id)}>{outcome.dataset.name}</Link>,{' '}
          {outcome.dataset.rows.toLocaleString('en-US')} rows, {outcome.dataset.columns.length} columns.
        </p>
      ) : null}
    </section>
  );
}
