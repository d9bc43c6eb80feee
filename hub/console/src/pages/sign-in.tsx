/** Sign in with an admin token (dataDir/admin-token, EDGEFLEET_ADMIN_TOKEN, or a scoped one); the token is sent once and never kept by the page. */
import { useState } from 'preact/hooks';
import { errorText } from '../api/client';
import { signIn } from '../session';

export function SignInPage({ reason }: { reason?: string | undefined }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(token.trim());
      setToken('');
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>edgefleet console</h1>
      {reason ? <p role="status">{reason}</p> : null}
      <form onSubmit={(event) => void submit(event)}>
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autoComplete="current-password" required value={token} onInput={(event) => setToken(event.currentTarget.value)} />
        <p class="hint">The hub prints where it keeps the token at start (dataDir/admin-token, or EDGEFLEET_ADMIN_TOKEN), or use a token an admin made for you (read, operator or admin): the console shows what its scope allows.</p>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" class="primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
