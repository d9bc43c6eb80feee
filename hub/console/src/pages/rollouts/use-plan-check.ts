/**
 * Validation as the admin types: the hub's own dry run of the create (POST
 * /api/v1/rollouts/validate), 300 ms after the last change, its messages placed by field. Only
 * the newest answer counts (an older one may arrive after it).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { placeError } from './messages';
import type { RolloutCheck } from './types';

export const CHECK_DELAY_MS = 300;

export type PlanCheck =
  | { state: 'idle' }
  | { state: 'checking' }
  | { state: 'ok'; check: RolloutCheck }
  | { state: 'invalid'; messages: Map<string, string[]> };

export function usePlanCheck(input: { model: string; version: string; plan: unknown } | null, anchors: ReadonlySet<string>): PlanCheck {
  const [result, setResult] = useState<PlanCheck>({ state: 'idle' });
  const generation = useRef(0);
  const anchorsRef = useRef(anchors);
  anchorsRef.current = anchors;
  const key = input ? JSON.stringify(input) : '';
  useEffect(() => {
    const mine = ++generation.current;
    if (!input) return void setResult({ state: 'idle' });
    setResult({ state: 'checking' });
    const timer = setTimeout(() => {
      api.POST('/api/v1/rollouts/validate', { body: input }).then(
        (reply) => {
          if (mine !== generation.current) return;
          try {
            setResult({ state: 'ok', check: ok(reply) });
          } catch (error) {
            setResult({ state: 'invalid', messages: placeError(error, anchorsRef.current) });
          }
        },
        (error: unknown) => mine === generation.current && setResult({ state: 'invalid', messages: placeError(error, anchorsRef.current) }),
      );
    }, CHECK_DELAY_MS);
    return () => clearTimeout(timer);
  }, [key]);
  return result;
}
