/**
 * Live updates: one EventSource on GET /api/v1/stream for the whole console (the browser resumes
 * it with Last-Event-ID after a drop). Pages subscribe to the audit rows they care about and reload
 * what those rows change.
 */
import { useEffect, useRef, useState } from 'preact/hooks';

export interface AuditEvent {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: unknown;
}

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'off';

type Listener = (event: AuditEvent) => void;
const listeners = new Set<Listener>();
const statusListeners = new Set<(status: LiveStatus) => void>();
let source: EventSource | null = null;
let status: LiveStatus = 'off';

function setStatus(next: LiveStatus): void {
  status = next;
  for (const listener of statusListeners) listener(next);
}

function parseAudit(data: string): AuditEvent | null {
  try {
    const value = JSON.parse(data) as Partial<AuditEvent>;
    if (typeof value.id !== 'number' || typeof value.action !== 'string' || typeof value.subject !== 'string') return null;
    return value as AuditEvent;
  } catch {
    return null;
  }
}

/** Opens the stream (after sign-in); safe to call again. */
export function startLive(): void {
  if (source) return;
  setStatus('connecting');
  source = new EventSource('/api/v1/stream');
  source.addEventListener('ready', () => setStatus('live'));
  source.addEventListener('error', () => setStatus(source?.readyState === EventSource.CLOSED ? 'off' : 'reconnecting'));
  source.addEventListener('audit', (message) => {
    const event = parseAudit((message as MessageEvent<string>).data);
    if (event) for (const listener of listeners) listener(event);
  });
}

export function stopLive(): void {
  source?.close();
  source = null;
  setStatus('off');
}

/** Calls `onEvent` for every audit row `matches` accepts, while the component is mounted. */
export function useLive(matches: (event: AuditEvent) => boolean, onEvent: (event: AuditEvent) => void): void {
  const latest = useRef({ matches, onEvent });
  latest.current = { matches, onEvent };
  useEffect(() => {
    const listener: Listener = (event) => {
      if (latest.current.matches(event)) latest.current.onEvent(event);
    };
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
}

export function useLiveStatus(): LiveStatus {
  const [value, setValue] = useState(status);
  useEffect(() => {
    statusListeners.add(setValue);
    return () => void statusListeners.delete(setValue);
  }, []);
  return value;
}
