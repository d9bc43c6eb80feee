/**
 * This browser as a fleet device: `load` once (spending the enrolment token from the address, if
 * any), then the runtime's status and its last 20 events as state. A refused load (no credential
 * yet and no token, or a spent, expired or revoked one) leaves the page asking for a link.
 * The loaded device is also `window.edgefleet`, for tests and the browser's console.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { load, WebRuntimeError, type DeviceEvent, type EdgeDevice, type WebStatus } from '@edgefleet/web-runtime';
import { takeTokenFromAddress, tokenInHash } from './enrolment';

declare global {
  interface Window {
    /** the page's device once loaded: `await edgefleet.predict({...})`, `edgefleet.status()` */
    edgefleet?: EdgeDevice;
  }
}

export const EVENT_LOG_SIZE = 20;

export type DeviceState =
  | { kind: 'loading'; enrolling: boolean }
  | { kind: 'failed'; code: string | null; message: string; enrolling: boolean }
  | { kind: 'ready'; device: EdgeDevice };

export interface DeviceView {
  state: DeviceState;
  /** the runtime's status, kept current by its `status` events */
  status: WebStatus | null;
  /** newest first */
  events: readonly DeviceEvent[];
  /** loads again, enrolling with `token` (a device the hub refused is forgotten first) */
  enrol(token: string): void;
}

/** A WebRuntimeError's code (E_ENROLMENT_REFUSED, E_STORAGE, ...) and message, or any other failure's message. */
function failureOf(error: unknown): { code: string | null; message: string } {
  if (error instanceof WebRuntimeError) return { code: error.code, message: error.message };
  return { code: null, message: error instanceof Error ? error.message : String(error) };
}

/** `initialToken`: the one the page was opened with (already out of the address bar), if any. */
export function useDevice(initialToken: string | null): DeviceView {
  const [state, setState] = useState<DeviceState>({ kind: 'loading', enrolling: false });
  const [status, setStatus] = useState<WebStatus | null>(null);
  const [events, setEvents] = useState<readonly DeviceEvent[]>([]);
  const device = useRef<EdgeDevice | null>(null);
  const loading = useRef(false);

  const start = useCallback((enrolmentToken: string | null): void => {
    if (device.current || loading.current) return;
    loading.current = true;
    const enrolling = enrolmentToken !== null;
    setState({ kind: 'loading', enrolling });
    load(enrolling ? { enrolmentToken } : {}).then(
      (loaded) => {
        loading.current = false;
        device.current = loaded;
        window.edgefleet = loaded;
        loaded.on('status', setStatus);
        loaded.on('event', (event) => setEvents((shown) => [event, ...shown].slice(0, EVENT_LOG_SIZE)));
        setStatus(loaded.status());
        setState({ kind: 'ready', device: loaded });
      },
      (error: unknown) => {
        loading.current = false;
        setState({ kind: 'failed', ...failureOf(error), enrolling });
      },
    );
  }, []);

  useEffect(() => {
    start(initialToken);
    // A link pasted into the address bar of the open page arrives as a hash change.
    const onHash = (): void => {
      if (tokenInHash(location.hash) !== null) start(takeTokenFromAddress());
    };
    addEventListener('hashchange', onHash);
    return () => {
      removeEventListener('hashchange', onHash);
      void device.current?.close();
    };
  }, [start, initialToken]);

  const enrol = useCallback(
    (token: string): void => {
      const refused = device.current?.status().refused ? device.current : null;
      if (!refused) return start(token);
      device.current = null;
      window.edgefleet = undefined;
      setEvents([]);
      setStatus(null);
      void refused.forget().then(
        () => start(token),
        (error: unknown) => setState({ kind: 'failed', ...failureOf(error), enrolling: true }),
      );
    },
    [start],
  );

  return { state, status, events, enrol };
}
