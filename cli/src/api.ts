/**
 * The CLI's only way to the hub: openapi-fetch over the generated `paths` (typed paths, params
 * and replies) with the admin bearer token, plus `send` for the calls openapi-fetch cannot type
 * (the artifact download; streamed uploads are upload.ts).
 * Every failure becomes a CliError with the exit code of what happened.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './api-types';
import { errorFromReply, unreachable } from './errors';
import type { Session } from './config';

export const USER_AGENT = 'edgefleet-cli/0.1.0';

export interface Hub {
  readonly session: Session;
  readonly client: Client<paths>;
}

export function connect(session: Session): Hub {
  const client = createClient<paths>({ baseUrl: session.url, headers: { authorization: `Bearer ${session.token}`, 'user-agent': USER_AGENT } });
  return { session, client };
}

async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The data of an openapi-fetch call, or a CliError: the hub's code, message and details with the
 * exit code of its status; a request that got no reply is "unreachable".
 */
export async function ok<T>(hub: Hub, call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (error) {
    throw unreachable(hub.session.url, error);
  }
  if (!result.response.ok) throw errorFromReply(result.response.status, result.response.statusText, result.error, hub.session.url, hub.session.source.token);
  return result.data as T;
}

export interface SendOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** the path with its query, already encoded */
  path: string;
  json?: unknown;
}

/** A raw call with the admin token: the reply when it is 2xx (body unread), else a CliError. */
export async function send(hub: Hub, options: SendOptions): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${hub.session.token}`, 'user-agent': USER_AGENT };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  let response: Response;
  try {
    response = await fetch(`${hub.session.url}${options.path}`, { method: options.method, headers, ...(body === undefined ? {} : { body }) });
  } catch (error) {
    throw unreachable(hub.session.url, error);
  }
  if (!response.ok) throw errorFromReply(response.status, response.statusText, await bodyOf(response), hub.session.url, hub.session.source.token);
  return response;
}

/** Path segments and query strings for paths built by hand (`send`, uploads). */
export const seg = (value: string): string => encodeURIComponent(value);
export function query(params: Record<string, string | number | boolean | undefined>): string {
  const entries = Object.entries(params).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined);
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`;
}
