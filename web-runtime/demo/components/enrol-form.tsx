/**
 * Shown when the page could not load a device: why (the runtime's code and message), and a field
 * for the operator's enrolment link or its token.
 */
import { useState } from 'preact/hooks';
import { tokenFromPasted } from '../enrolment';

export function EnrolForm({ code, message, onToken, title = 'This browser could not join the fleet' }: { code: string | null; message: string; onToken: (token: string) => void; title?: string }) {
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: Event): void => {
    event.preventDefault();
    const token = tokenFromPasted(text);
    if (token === null) {
      setProblem('That is neither an enrolment link (…/web#enrol=…) nor a token.');
      return;
    }
    setProblem(null);
    setText('');
    onToken(token);
  };
  // Another tab holds this browser's device: a new link would not help, closing that tab would.
  if (code === 'E_DEVICE_IN_USE') {
    return (
      <section class="enrol" aria-labelledby="enrol-title">
        <h2 id="enrol-title">Open in another tab</h2>
        <div class="banner" role="alert" data-testid="load-error" data-code={code}>
          <strong>{code}</strong> {message}
        </div>
      </section>
    );
  }
  return (
    <section class="enrol" aria-labelledby="enrol-title">
      <h2 id="enrol-title">{title}</h2>
      <div class="banner" role="alert" data-testid="load-error" data-code={code ?? ''}>
        {code ? <strong>{code}</strong> : null} {message}
        <p class="banner-note">Ask your operator for an enrolment link.</p>
      </div>
      <form onSubmit={submit}>
        <label for="enrol-link">Enrolment link or token</label>
        <input id="enrol-link" name="enrol-link" type="text" autoComplete="off" spellcheck={false} required value={text} onInput={(event) => setText(event.currentTarget.value)} aria-describedby={problem ? 'enrol-problem' : undefined} />
        {problem ? (
          <p id="enrol-problem" class="error" role="alert">
            {problem}
          </p>
        ) : null}
        <button type="submit" class="primary" disabled={text.trim() === ''}>
          Enrol
        </button>
      </form>
    </section>
  );
}
