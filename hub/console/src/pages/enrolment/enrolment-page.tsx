/**
 * #/enrolment: browser enrolment tokens (issue 14). A token lets a page (the edge inference page,
 * /web) enrol itself as a device of one ring, a bounded number of times, until it expires or is
 * revoked; the devices it enrols are ordinary devices tagged kind:browser. Issuing shows the token
 * once as the full enrolment link; the list (reloaded on the tokens' and token enrolments' audit
 * rows) shows use and state and revokes.
 */
import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, ok } from '../../api/client';
import type { AuditEvent } from '../../api/live';
import { useResource } from '../../api/use-resource';
import { ErrorNote, Loading, PageTitle } from '../../components/status';
import { Can, NeedsScope } from '../../scope';
import { IssueForm } from './issue-form';
import { IssuedLink } from './issued-link';
import { TokenTable } from './token-table';
import { browserDevicesPath, nextExpiry, type IssuedToken } from './tokens';
import './enrolment.css';

/** Issued, revoked or refused tokens, and devices a token enrolled (their audit actor is the token). */
const changesTokens = (event: AuditEvent): boolean => event.action.startsWith('enrolment-token.') || (event.action === 'device.enrolled' && event.actor.startsWith('enrolment-token:'));

/** setTimeout's longest wait; a later expiry is looked at again after it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function EnrolmentPage() {
  const tokens = useResource(async () => ok(await api.GET('/api/v1/enrolment-tokens')), [], { live: changesTokens });
  const rings = useResource(async () => ok(await api.GET('/api/v1/rings')).rings.map((ring) => ({ name: ring.name, devices: ring.devices })), []);
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const list = tokens.data?.tokens;

  // Expiry writes no audit row: the state shown turns to expired when the time comes.
  const next = list ? nextExpiry(list, now) : undefined;
  useEffect(() => {
    if (next === undefined) return;
    const timer = setTimeout(() => setNow(Date.now()), Math.min(Math.max(next - Date.now(), 0) + 250, MAX_TIMER_MS));
    return () => clearTimeout(timer);
  }, [next]);
  useEffect(() => setNow(Date.now()), [tokens.data]);

  return (
    <>
      <PageTitle actions={<Link href={browserDevicesPath()}>Browser devices</Link>}>Browser enrolment</PageTitle>
      <p class="enrol-intro">
        A browser joins the fleet through the edge inference page (<a href="/web">/web</a>): it runs the ring’s models in the page, verified like any device. An enrolment link lets
        a bounded number of browsers enrol into one ring until it expires or is revoked; each becomes an ordinary device tagged <code>kind:browser</code>.
      </p>
      <Can needs="admin" otherwise={<NeedsScope needs="admin" what="Issuing or revoking an enrolment link" />}>
        <IssueForm rings={rings.data ?? []} onIssued={(token) => {
          setIssued(token);
          tokens.reload();
        }} />
      </Can>
      {issued ? <IssuedLink key={issued.id} issued={issued} onDone={() => {
        setIssued(null);
        document.getElementById('enrol-issue-title')?.focus();
      }} /> : null}

      <h2 id="enrol-tokens-title">Enrolment tokens</h2>
      <ErrorNote error={tokens.error} />
      {!list ? (
        tokens.error ? null : <Loading what="the enrolment tokens" />
      ) : list.length === 0 ? (
        <div class="enrol-empty">
          <p>No enrolment token yet.</p>
          <p>
            Browser devices are web pages that run the fleet’s models on the visitor’s own machine, with no server round trip: the edge inference page at <a href="/web">/web</a> verifies
            each model’s signature and hash like an agent does, follows its ring’s rollouts and rollbacks, and reports statistics that show in the drift views beside the agents’.
          </p>
          <p>Issue a link above and open it in the browser that should join.</p>
        </div>
      ) : (
        <TokenTable tokens={list} now={now} busy={tokens.loading} onChanged={tokens.reload} />
      )}
    </>
  );
}
