/**
 * Loading what a page shows: `load` runs on mount and whenever `deps` change; `live` names the audit
 * rows that make it stale (reloaded at most every `throttleMs`, so a rollout across 10,000 devices
 * does not mean 10,000 reloads); `pollMs` reloads on a timer while something runs that the audit
 * trail does not narrate (a training run's epochs).
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from './client';
import { useLive, type AuditEvent } from './live';

export interface Resource<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload(): void;
}

export interface ResourceOptions<T> {
  live?: (event: AuditEvent) => boolean;
  /** reload every pollMs while it returns a number for the current data */
  pollMs?: (data: T | undefined) => number | undefined;
  throttleMs?: number;
}

export function useResource<T>(load: () => Promise<T>, deps: readonly unknown[], options: ResourceOptions<T> = {}): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);

  const reload = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (failure: unknown) => {
        if (mine !== generation.current) return;
        setError(errorText(failure));
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => {
    setData(undefined);
    reload();
  }, deps);

  const throttleMs = options.throttleMs ?? 500;
  useLive(options.live ?? (() => false), () => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      reload();
    }, throttleMs);
  });
  useEffect(() => () => void (pending.current && clearTimeout(pending.current)), []);

  const pollEvery = options.pollMs?.(data);
  useEffect(() => {
    if (pollEvery === undefined) return;
    const timer = setInterval(reload, pollEvery);
    return () => clearInterval(timer);
  }, [pollEvery, reload]);

  return { data, error, loading, reload };
}
