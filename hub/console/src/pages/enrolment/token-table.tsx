/**
 * The enrolment tokens, newest first (as the hub lists them): what each is for, its ring, how much
 * of it is used, its state and times, and Revoke (confirmed) while it is active. Under 640 px each
 * row stacks into a card whose cells carry their column's name (enrolment.css).
 */
import { Link } from 'wouter-preact';
import { api, ok } from '../../api/client';
import { ConfirmButton } from '../../components/confirm';
import { Badge, When } from '../../components/status';
import { Can } from '../../scope';
import { browserDevicesPath, stateAt, tagTexts, type EnrolmentToken } from './tokens';

const COLUMNS = ['Label', 'Ring', 'Used', 'State', 'Created', 'Expires', 'Actions'] as const;

function Revoke({ token, onRevoked }: { token: EnrolmentToken; onRevoked: () => void }) {
  const name = token.label ? `“${token.label}”` : `for ring ${token.ring}`;
  const enrolled = token.used === 1 ? 'The browser it enrolled stays' : `The ${token.used} browsers it enrolled stay`;
  return (
    <ConfirmButton
      label="Revoke"
      title={`Revoke the token ${name}?`}
      danger
      onConfirm={async () => {
        ok(await api.DELETE('/api/v1/enrolment-tokens/{id}', { params: { path: { id: token.id } } }));
        onRevoked();
      }}
    >
      <p>
        Its link enrols nobody from now on. {token.used === 0 ? 'It has enrolled no browser yet.' : `${enrolled} in ring ${token.ring}: decommission them on their device pages if they should go.`}
      </p>
    </ConfirmButton>
  );
}

export function TokenTable({ tokens, now, busy, onChanged }: { tokens: readonly EnrolmentToken[]; now: number; busy: boolean; onChanged: () => void }) {
  return (
    <table class="enrol-tokens" aria-labelledby="enrol-tokens-title" aria-busy={busy}>
      <thead>
        <tr>
          {COLUMNS.map((column) => (
            <th key={column} scope="col" class={column === 'Used' ? 'num' : undefined}>
              {column}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {tokens.map((token) => {
          const state = stateAt(token, now);
          const tags = tagTexts(token.tags);
          return (
            <tr key={token.id}>
              <th scope="row" data-label="Label">
                {token.label || <span class="muted">(no label)</span>}
                {tags.length > 0 ? (
                  <ul class="enrol-tags">
                    {tags.map((tag) => (
                      <li key={tag}>
                        <code>{tag}</code>
                      </li>
                    ))}
                  </ul>
                ) : null}
              </th>
              <td data-label="Ring">{token.ring}</td>
              <td data-label="Used" class="num">
                <span class="enrol-used">
                  {token.used} / {token.maxEnrolments}
                </span>
                {token.used > 0 ? (
                  <>
                    {' '}
                    <Link href={browserDevicesPath(token.ring)} class="enrol-devices">
                      browsers in {token.ring}
                    </Link>
                  </>
                ) : null}
              </td>
              <td data-label="State">
                <Badge value={state} />
                {token.revokedAt ? (
                  <span class="enrol-when">
                    {' '}
                    <When at={token.revokedAt} />
                  </span>
                ) : null}
              </td>
              <td data-label="Created">
                <When at={token.createdAt} />
              </td>
              <td data-label="Expires">
                <When at={token.expiresAt} />
              </td>
              <td data-label="Actions">{state === 'active' ? <Can needs="admin" otherwise={<span class="muted">—</span>}><Revoke token={token} onRevoked={onChanged} /></Can> : <span class="muted">—</span>}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
