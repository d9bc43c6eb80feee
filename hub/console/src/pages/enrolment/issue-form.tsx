/**
 * Issue a browser enrolment token (POST /api/v1/enrolment-tokens): the ring its browsers join
 * (an existing one from the list, or a new name), how many may enrol, for how long, a label and
 * extra tags. The issued token goes to `onIssued` at once: the hub never shows it again.
 */
import { useState } from 'preact/hooks';
import { api, errorText, ok } from '../../api/client';
import { SubmitRow } from '../../components/submit-row';
import { ErrorNote } from '../../components/status';
import { Field, hintId } from '../models/field';
import { DEFAULT_LIFETIME_S, LIFETIMES, MAX_ENROLMENTS, parseTags, RING_PATTERN, type IssuedToken } from './tokens';

export interface RingChoice {
  name: string;
  devices: number;
}

export function IssueForm({ rings, onIssued }: { rings: readonly RingChoice[]; onIssued: (issued: IssuedToken) => void }) {
  const [ring, setRing] = useState('');
  const [maxEnrolments, setMaxEnrolments] = useState('1');
  const [ttlS, setTtlS] = useState(DEFAULT_LIFETIME_S);
  const [label, setLabel] = useState('');
  const [tags, setTags] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  const submit = async (): Promise<void> => {
    const parsed = parseTags(tags);
    if ('error' in parsed) return setError(parsed.error);
    setBusy(true);
    setError(undefined);
    try {
      const issued = ok(await api.POST('/api/v1/enrolment-tokens', { body: { ring: ring.trim(), maxEnrolments: Number(maxEnrolments), ttlS, label: label.trim(), tags: parsed.tags } }));
      // A fresh form for the next one; the ring and lifetime are likely the same again.
      setLabel('');
      setTags('');
      setMaxEnrolments('1');
      onIssued(issued);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      aria-labelledby="enrol-issue-title"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h2 id="enrol-issue-title" tabIndex={-1}>Issue an enrolment link</h2>
      <div class="form-grid">
        <Field id="enrol-ring" label="Ring" hint={rings.length > 0 ? `Pick one (${rings.map((r) => r.name).join(', ')}) or type a new name: its browsers join it.` : 'Every browser it enrols joins this ring.'}>
          <input
            id="enrol-ring"
            name="ring"
            list="enrol-rings"
            required
            pattern={RING_PATTERN}
            title="1-32 of A-Z a-z 0-9 _ -"
            autoComplete="off"
            value={ring}
            aria-describedby={hintId('enrol-ring')}
            onInput={(event) => setRing(event.currentTarget.value)}
          />
          <datalist id="enrol-rings">
            {rings.map((r) => (
              <option key={r.name} value={r.name} label={`${r.devices} ${r.devices === 1 ? 'device' : 'devices'}`} />
            ))}
          </datalist>
        </Field>
        <Field id="enrol-max" label="Maximum enrolments" hint="How many browsers may enrol with it.">
          <input
            id="enrol-max"
            name="maxEnrolments"
            type="number"
            inputMode="numeric"
            required
            min={1}
            max={MAX_ENROLMENTS}
            step={1}
            value={maxEnrolments}
            aria-describedby={hintId('enrol-max')}
            onInput={(event) => setMaxEnrolments(event.currentTarget.value)}
          />
        </Field>
        <Field id="enrol-ttl" label="Lifetime" hint="It enrols nobody after that; browsers it enrolled stay.">
          <select id="enrol-ttl" name="ttlS" value={String(ttlS)} aria-describedby={hintId('enrol-ttl')} onChange={(event) => setTtlS(Number(event.currentTarget.value))}>
            {LIFETIMES.map((lifetime) => (
              <option key={lifetime.seconds} value={String(lifetime.seconds)}>
                {lifetime.label}
              </option>
            ))}
          </select>
        </Field>
        <Field id="enrol-label" label="Label" hint="What or whom it is for (shown in the list).">
          <input id="enrol-label" name="label" maxLength={200} autoComplete="off" value={label} aria-describedby={hintId('enrol-label')} onInput={(event) => setLabel(event.currentTarget.value)} />
        </Field>
        <Field id="enrol-tags" label="Tags (optional)" hint="One key:value per line, e.g. site:lab. Every browser it enrols is also tagged kind:browser." wide>
          <textarea id="enrol-tags" name="tags" rows={2} value={tags} aria-describedby={hintId('enrol-tags')} onInput={(event) => setTags(event.currentTarget.value)} />
        </Field>
      </div>
      <ErrorNote error={error} />
      <SubmitRow label="Issue link" busy={busy} working="Issuing…" />
    </form>
  );
}
