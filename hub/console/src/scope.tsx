/**
 * What the signed-in session may do (issue 16): `read`, `operator` or `admin`, the scope of the
 * token that signed in. The console shows only the controls the scope allows, so a read-only
 * session sees the fleet without buttons that would answer 403; the hub enforces the scopes
 * whatever the page shows. Which routes need which scope: hub/src/services/admin-tokens/scopes.ts.
 */
import type { ComponentChildren } from 'preact';
import { useSession, type Scope } from './session';

const RANK: Record<Scope, number> = { read: 0, operator: 1, admin: 2 };

/** Whether this session may do what needs `needed`. */
export function useCan(needed: Scope): boolean {
  const session = useSession();
  return session.kind === 'signed-in' && RANK[session.scope] >= RANK[needed];
}

/** Its children only when the session's scope allows `needs`; otherwise `otherwise` (default nothing). */
export function Can({ needs, children, otherwise = null }: { needs: Scope; children: ComponentChildren; otherwise?: ComponentChildren }) {
  return <>{useCan(needs) ? children : otherwise}</>;
}

/** Says why a page's controls are missing: shown where a form would be. */
export function NeedsScope({ needs, what }: { needs: Scope; what: string }) {
  const session = useSession();
  const scope = session.kind === 'signed-in' ? session.scope : 'read';
  return (
    <p class="hint needs-scope" data-needs-scope={needs}>
      {what} needs a token of scope {needs}; this session is {scope}.
    </p>
  );
}
