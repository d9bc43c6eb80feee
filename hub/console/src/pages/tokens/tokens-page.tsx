/**
 * #/tokens: admin tokens with scopes (issue 16), for an admin session only. Create one (the
 * secret is shown once, then only its hash exists), see each one's scope, state and last use,
 * rotate it (a new secret once; the old one stops at once) or revoke it. Reloaded on the tokens'
 * audit rows. The same as `edgefleet tokens create|list|rotate|revoke`. The token this session
 * signed in with cannot be rotated here: the hub would end this session with it, the page would
 * sign out, and the new secret, shown once, would be gone with it.
 */
import { useState } from 'preact/hooks';
import { api, errorText, ok } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { ConfirmButton } from '../../components/confirm';
import { Badge, Empty, ErrorNote, Loading, PageTitle, When } from '../../components/status';
import { SubmitRow } from '../../components/submit-row';
import { Can, NeedsScope } from '../../scope';
import { useSession, type Scope } from '../../session';
import { Field, hintId } from '../models/field';
import './tokens.css';

/** A token's secret, while it is shown (once, after creating or rotating it). */
interface Shown {
  name: string;
  scope: Scope;
  token: string;
}

const SCOPE_HINT: Record<Scope, string> = {
  read: 'reads only: dashboards, exports, monitoring',
  operator: 'reads, rollouts, assignments, models, datasets, training',
  admin: 'everything, devices and tokens included',
};
const LIFETIMES = [
  { label: 'Until revoked', seconds: 0 },
  { label: '1 day', seconds: 86_400 },
  { label: '30 days', seconds: 30 * 86_400 },
  { label: '90 days', seconds: 90 * 86_400 },
  { label: '1 year', seconds: 365 * 86_400 },
] as const;

export function TokensPage() {
  return (
    <>
      <PageTitle>Admin tokens</PageTitle>
      <Can needs="admin" otherwise={<NeedsScope needs="admin" what="Managing admin tokens" />}>
        <Tokens />
      </Can>
    </>
  );
}

function Tokens() {
  const tokens = useResource(async () => ok(await api.GET('/api/v1/admin-tokens')).tokens, [], { live: (event) => event.action.startsWith('admin-token.') });
  const [shown, setShown] = useState<Shown | null>(null);
  const session = useSession();
  const ownId = session.kind === 'signed-in' ? session.token?.id : undefined;
  const act = async (id: string, how: 'rotate' | 'revoke'): Promise<void> => {
    if (how === 'rotate') setShown(ok(await api.POST('/api/v1/admin-tokens/{id}/rotate', { params: { path: { id } } })));
    else ok(await api.DELETE('/api/v1/admin-tokens/{id}', { params: { path: { id } } }));
    tokens.reload();
  };
  return (
    <>
      <p>Scripts and people sign in with a token of the scope they need: read, operator or admin. The bootstrap token of the data dir is admin and is not listed here.</p>
      <CreateForm
        onCreated={(issued) => {
          setShown(issued);
          tokens.reload();
        }}
      />
      {shown ? (
        <section class="token-shown" aria-labelledby="token-shown-title" tabIndex={-1}>
          <h2 id="token-shown-title">Token {shown.name} ({shown.scope})</h2>
          <p>
            <strong>Shown once:</strong> the hub keeps only its hash. Store it where its holder keeps secrets.
          </p>
          <label for="token-secret">Token</label>
          <input id="token-secret" readOnly value={shown.token} spellcheck={false} autoComplete="off" onFocus={(event) => event.currentTarget.select()} />
          <div class="form-actions">
            <button type="button" onClick={() => setShown(null)}>
              Done, hide the token
            </button>
          </div>
        </section>
      ) : null}
      <h2 id="tokens-title">Tokens</h2>
      <ErrorNote error={tokens.error} />
      {!tokens.data ? (
        tokens.error ? null : <Loading what="the admin tokens" />
      ) : (
        <table aria-labelledby="tokens-title" aria-busy={tokens.loading}>
          <thead>
            <tr>
              {['Name', 'Scope', 'State', 'Created', 'Last used', 'Expires', 'Actions'].map((column) => (
                <th key={column} scope="col">
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {tokens.data.length === 0 ? <Empty colSpan={7}>No admin token yet.</Empty> : null}
            {tokens.data.map((token) => (
              <tr key={token.id}>
                <th scope="row">{token.name}</th>
                <td>{token.scope}</td>
                <td>
                  <Badge value={token.state} />
                </td>
                <td>
                  <When at={token.createdAt} /> by {token.createdBy}
                </td>
                <td>{token.lastUsedAt ? <When at={token.lastUsedAt} /> : <span class="muted">never</span>}</td>
                <td>{token.expiresAt ? <When at={token.expiresAt} /> : <span class="muted">never</span>}</td>
                <td>
                  {token.state === 'active' ? (
                    <>
                      {token.id === ownId ? (
                        <>
                          <button type="button" disabled aria-describedby={`token-own-${token.id}`}>
                            Rotate
                          </button>{' '}
                          <span class="hint" id={`token-own-${token.id}`}>
                            This session signed in with it: sign in with another token to rotate this one.
                          </span>
                        </>
                      ) : (
                        <ConfirmButton label="Rotate" title={`Rotate the token ${token.name}?`} onConfirm={() => act(token.id, 'rotate')}>
                          <p>A new secret is shown once; the current one stops working at once, and console sessions it opened end.</p>
                        </ConfirmButton>
                      )}{' '}
                      <ConfirmButton label="Revoke" title={`Revoke the token ${token.name}?`} danger onConfirm={() => act(token.id, 'revoke')}>
                        <p>It stops working at once, and console sessions it opened end{token.id === ownId ? ', this one included: you will be signed out' : ''}. Its name stays taken.</p>
                      </ConfirmButton>
                    </>
                  ) : (
                    <span class="muted">—</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function CreateForm({ onCreated }: { onCreated: (issued: Shown) => void }) {
  const [name, setName] = useState('');
  const [scope, setScope] = useState<Scope>('read');
  const [ttlS, setTtlS] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const submit = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const issued = ok(await api.POST('/api/v1/admin-tokens', { body: { name: name.trim(), scope, ...(ttlS > 0 ? { ttlS } : {}) } }));
      setName('');
      onCreated(issued);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      aria-labelledby="token-create-title"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h2 id="token-create-title">Create a token</h2>
      <div class="form-grid">
        <Field id="token-name" label="Name" hint="Who or what holds it; the audit log names its actions token:<name>.">
          <input id="token-name" name="name" required pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}" autoComplete="off" value={name} aria-describedby={hintId('token-name')} onInput={(event) => setName(event.currentTarget.value)} />
        </Field>
        <Field id="token-scope" label="Scope" hint={SCOPE_HINT[scope]}>
          <select id="token-scope" name="scope" value={scope} aria-describedby={hintId('token-scope')} onChange={(event) => setScope(event.currentTarget.value as Scope)}>
            {(['read', 'operator', 'admin'] as const).map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </Field>
        <Field id="token-ttl" label="Lifetime">
          <select id="token-ttl" name="ttlS" value={String(ttlS)} onChange={(event) => setTtlS(Number(event.currentTarget.value))}>
            {LIFETIMES.map((lifetime) => (
              <option key={lifetime.seconds} value={String(lifetime.seconds)}>
                {lifetime.label}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <ErrorNote error={error} />
      <SubmitRow label="Create token" busy={busy} working="Creating…" />
    </form>
  );
}
