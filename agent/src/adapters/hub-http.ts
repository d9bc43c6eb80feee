/**
 * The agent's HTTP client for the hub (config, release manifests, artifacts, probe blobs). With
 * extra CAs it is undici's fetch on a dispatcher that trusts them (Node's own fetch takes no CA
 * option); without, Node's fetch as it is.
 */
import { Agent as Dispatcher, fetch as undiciFetch } from 'undici';
import { withPublicRoots } from '../core/ca-bundle';

export interface HubRequest {
  headers: Record<string, string>;
  signal: AbortSignal;
}

export type HubFetch = (url: string, init: HubRequest) => Promise<Response>;

export interface HubHttp {
  fetch: HubFetch;
  /** closes the dispatcher's kept-alive connections; idempotent */
  close(): Promise<void>;
}

/** Node's own fetch: the public CAs (and NODE_EXTRA_CA_CERTS) only. */
export const plainFetch: HubFetch = (url, init) => fetch(url, init);

export function hubHttp(ca: readonly string[] | null): HubHttp {
  if (ca === null) return { fetch: plainFetch, close: async () => {} };
  const dispatcher = new Dispatcher({ connect: { ca: withPublicRoots(ca) } });
  let closed: Promise<void> | null = null;
  return {
    // undici's Response is the WHATWG Response Node's fetch returns (same package, its own
    // typings): the callers read status, headers and the body stream, which both have.
    fetch: async (url, init) => (await undiciFetch(url, { ...init, dispatcher })) as unknown as Response,
    close: () => (closed ??= dispatcher.close()),
  };
}
