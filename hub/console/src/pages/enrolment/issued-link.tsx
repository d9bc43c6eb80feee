/**
 * The one showing of a new token, as the full enrolment link with a copy button. It lives only in
 * this component's props: "Done" (or leaving the page) drops it, and the hub keeps only its hash.
 * It is not a clickable link: opening it here would enrol this browser and spend one use.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { When } from '../../components/status';
import { enrolmentLink, type IssuedToken } from './tokens';

export function IssuedLink({ issued, onDone }: { issued: IssuedToken; onDone: () => void }) {
  const link = enrolmentLink(location.origin, issued.token);
  const section = useRef<HTMLElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<string | null>(null);
  // Keyboard and screen-reader users land on the link the moment it exists.
  useEffect(() => section.current?.focus(), [issued.id]);

  const copy = async (): Promise<void> => {
    try {
      // Undefined outside a secure context (a hub on plain http at a non-local address): caught below.
      await navigator.clipboard.writeText(link);
      setCopied('Copied to the clipboard.');
    } catch {
      field.current?.select();
      setCopied('The browser refused the clipboard: the link is selected, copy it with Ctrl+C (⌘C).');
    }
  };

  const uses = issued.maxEnrolments === 1 ? 'one browser' : `${issued.maxEnrolments} browsers`;
  return (
    <section ref={section} class="enrol-issued" aria-labelledby="enrol-issued-title" aria-describedby="enrol-issued-warning" tabIndex={-1}>
      <h2 id="enrol-issued-title">Enrolment link for ring {issued.ring}{issued.label ? ` (${issued.label})` : ''}</h2>
      <p id="enrol-issued-warning" class="enrol-warning">
        <strong>Shown once:</strong> the hub keeps only a hash of it, so this link cannot be shown again. Anyone with the link can enrol {uses} into ring{' '}
        <strong>{issued.ring}</strong> until it expires (<When at={issued.expiresAt} />) or is used up. Send it only to whom it is for; revoke it below if it leaks.
      </p>
      <label for="enrol-link">Enrolment link</label>
      <div class="enrol-link-row">
        <input id="enrol-link" ref={field} readOnly value={link} spellcheck={false} autoComplete="off" onFocus={(event) => event.currentTarget.select()} />
        <button type="button" class="primary" onClick={() => void copy()}>
          Copy link
        </button>
      </div>
      <p role="status" class="enrol-copied">
        {copied ?? ''}
      </p>
      <p class="hint">Open it in the browser that should join: the page enrols, keeps its credential and follows the ring’s rollouts.</p>
      <div class="form-actions">
        <button type="button" onClick={onDone}>
          Done, hide the link
        </button>
      </div>
    </section>
  );
}
