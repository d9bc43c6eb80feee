/**
 * Tailing a run's log: the lines so far, then every second only the lines after the last seq
 * seen (GET …/logs?after=seq) while the run is live, and once more when it ends (its last lines,
 * e.g. "registered …", land as it finishes).
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText, ok } from '../../api/client';
import type { LogLine } from './types';

/** Lines kept in the page; a long run's older lines stay in the API. */
const KEEP = 1_000;

export function useLogTail(id: string, live: boolean): { lines: LogLine[]; error: string | undefined } {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [error, setError] = useState<string | undefined>(undefined);
  const state = useRef({ id, after: 0, busy: false, again: false });

  const fetchMore = useCallback(async (): Promise<void> => {
    const current = state.current;
    // One request at a time; a call while one is out runs again after it, so no tail is missed.
    if (current.busy) {
      current.again = true;
      return;
    }
    current.busy = true;
    const forId = current.id;
    try {
      const { logs } = ok(await api.GET('/api/v1/training-runs/{id}/logs', { params: { path: { id: forId }, query: { after: current.after } } }));
      if (state.current.id !== forId) return;
      setError(undefined);
      const last = logs.at(-1);
      if (last) {
        current.after = last.seq;
        setLines((previous) => [...previous, ...logs].slice(-KEEP));
      }
    } catch (failure) {
      if (state.current.id === forId) setError(errorText(failure));
    } finally {
      current.busy = false;
      if (current.again && state.current.id === forId) {
        current.again = false;
        void fetchMore();
      }
    }
  }, []);

  useEffect(() => {
    state.current = { id, after: 0, busy: false, again: false };
    setLines([]);
    setError(undefined);
  }, [id]);

  useEffect(() => {
    void fetchMore();
    if (!live) return;
    const timer = setInterval(() => void fetchMore(), 1_000);
    return () => clearInterval(timer);
  }, [id, live, fetchMore]);

  return { lines, error };
}
