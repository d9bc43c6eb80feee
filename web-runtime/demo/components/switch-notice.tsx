/**
 * "switched to digits@2": shown when the serving model changes under the page (a rollout or a
 * rollback reaching this browser), highlighted briefly; it stays until the next switch.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ModelRef } from '@edgefleet/web-runtime';
import { refKey } from '../use-predictor';

export function SwitchNotice({ active }: { active: ModelRef | null }) {
  const seen = useRef<ModelRef | null>(null);
  const [notice, setNotice] = useState<{ text: string; n: number } | null>(null);
  const key = refKey(active);
  useEffect(() => {
    const before = seen.current;
    seen.current = active;
    // The first model this page gets is not a switch; losing the model is the error banner's to say.
    if (!before || !active) return;
    setNotice((last) => ({ text: `switched to ${active.model}@${active.version}`, n: (last?.n ?? 0) + 1 }));
  }, [key]);
  return (
    <p class="switch-line" role="status" aria-live="polite" data-testid="switch-notice">
      {notice ? (
        // A new key restarts the highlight.
        <span key={notice.n} class="switch">
          {notice.text}
        </span>
      ) : null}
    </p>
  );
}
