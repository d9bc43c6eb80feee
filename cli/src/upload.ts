/**
 * Streamed uploads over node:http(s) rather than fetch: a hub that refuses a file early (413 past
 * its size limit, 409 for a version that exists) answers and closes the connection while the
 * body is still being sent; fetch then fails with EPIPE and loses the answer, while an
 * http.ClientRequest has already emitted the response, which is what the user needs to see.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Transform, type Readable } from 'node:stream';
import { USER_AGENT, type Hub } from './api';
import { errorFromReply, unreachable } from './errors';

/** The most of a reply body read (uploads answer a few KiB of JSON). */
const MAX_REPLY_BYTES = 4 * 1024 * 1024;

export interface Upload {
  /** the path with its query, already encoded */
  path: string;
  contentType: string;
  length: number;
  body: Readable;
  onBytes?: (sent: number) => void;
}

function readReply(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REPLY_BYTES) response.destroy(new Error(`reply larger than ${MAX_REPLY_BYTES} bytes`));
      else chunks.push(chunk);
    });
    response.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.once('error', reject);
  });
}

/** POSTs the stream; resolves with the reply's status and parsed JSON when 2xx, else throws the hub's error. */
export async function upload<T>(hub: Hub, input: Upload): Promise<{ status: number; body: T }> {
  const url = new URL(`${hub.session.url}${input.path}`);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const { status, statusText, text } = await new Promise<{ status: number; statusText: string; text: string }>((resolve, reject) => {
    let answered = false;
    const req = request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.session.token}`, 'user-agent': USER_AGENT, 'content-type': input.contentType, 'content-length': String(input.length) },
    });
    req.once('response', (response) => {
      answered = true;
      // Whatever was not sent yet is not needed any more.
      input.body.unpipe();
      input.body.destroy();
      readReply(response).then((reply) => resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', text: reply }), reject);
    });
    req.once('error', (error) => {
      // A write failing after the hub answered (it closed the connection on a refusal) is expected.
      if (!answered) reject(unreachable(hub.session.url, error));
    });
    let sent = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sent += chunk.length;
        input.onBytes?.(sent);
        done(null, chunk);
      },
    });
    input.body.once('error', (error) => req.destroy(error));
    input.body.pipe(counter).pipe(req);
  });
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = text;
  }
  if (status < 200 || status > 299) throw errorFromReply(status, statusText, body, hub.session.url, hub.session.source.token);
  return { status, body: body as T };
}
