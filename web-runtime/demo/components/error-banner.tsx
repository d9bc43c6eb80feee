/**
 * The runtime's current error (status().error), always visible while set: e.g. E_HASH_MISMATCH
 * when a tampered model was refused and the verified one keeps answering.
 */
import type { WebStatus } from '@edgefleet/web-runtime';

export function ErrorBanner({ status }: { status: WebStatus | null }) {
  if (!status?.error) return null;
  const { error } = status;
  return (
    <div class="banner" role="alert" data-testid="error-banner" data-code={error.code}>
      <strong>{error.code}</strong> {error.message}
      {status.active ? <p class="banner-note">{`${status.active.model}@${status.active.version}`} keeps answering.</p> : null}
    </div>
  );
}
