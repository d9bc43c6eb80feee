/**
 * Issue 16 item 6: web pages cannot use the agent's local API, over real HTTP.
 * A cross-origin page could POST `text/plain` (no preflight) and, through DNS rebinding (its own
 * name resolving to 127.0.0.1), read and feed the API as if same-origin: each prediction lands in
 * the statistics the hub judges drift on. Now a POST must be `application/json`, a request with an
 * Origin not on the allow-list (none by default) or a Host that is not the agent's is refused with
 * a 4xx naming why, and none of them reaches the model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { createLocalApi, serveLocalApi, type LocalServer } from '../../src/adapters/local-api';
import { LoadedModel } from '../../src/adapters/runtime';
import { parseAgentEnv } from '../../src/config';
import { parsePredictInputs } from '../../src/core/predict-request';
import { DEFAULT_LOCAL_ACCESS, type LocalAccessPolicy } from '../../src/core/local-access';
import { AgentError } from '../../src/errors';
import type { LocalStatus } from '../../src/hub-link';
import { sileroInputs, sileroRelease } from '../support/silero';

const status: LocalStatus = {
  device: 'dev-1',
  phase: 'serving',
  active: null,
  previous: null,
  shadow: null,
  seq: 1,
  error: null,
  hub: { state: 'connected', credentialsRejected: false, since: new Date(0).toISOString(), lastError: null },
};

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { error?: { code: string; message: string }; version?: string } | null;
}

/** A raw HTTP request, so Host and Origin can be anything a browser (or an attacker's page) would send. */
function send(url: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, method, path, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? (JSON.parse(text) as Reply['body']) : null }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('local API: origin, host and content type', () => {
  let model: LoadedModel;
  let predictions = 0;
  const servers: LocalServer[] = [];
  const body = JSON.stringify({ inputs: sileroInputs() });

  const serve = async (access: Partial<LocalAccessPolicy> = {}): Promise<LocalServer> => {
    const app = createLocalApi({
      status: () => status,
      model: async () => {
        throw new AgentError('E_NO_MODEL', 'not needed here');
      },
      predict: async (request) => {
        predictions++;
        const outputs = await model.run(parsePredictInputs(request, model.release.io.inputs));
        return { model: model.release.model, version: model.release.version, outputs, predictionIds: [] };
      },
      access: { ...DEFAULT_LOCAL_ACCESS, ...access },
    });
    const server = await serveLocalApi(app, '127.0.0.1', 0);
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    const { bytes, manifest } = await sileroRelease();
    model = await LoadedModel.load(bytes, manifest);
  });

  afterAll(async () => {
    for (const server of servers) await server.close();
    await model?.retire();
  });

  it('answers JSON POSTs and GETs from local tools (curl, fetch: no Origin) by address or localhost', async () => {
    const { url } = await serve();
    const port = new URL(url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'LOCALHOST', `127.0.0.2:${port}`, `[::1]:${port}`]) {
      expect((await send(url, 'GET', '/v1/status', { host })).status, host).toBe(200);
    }
    const ok = await send(url, 'POST', '/v1/predict', { host: `127.0.0.1:${port}`, 'content-type': 'application/json; charset=utf-8' }, body);
    expect(ok.status).toBe(200);
    expect(ok.body?.version).toBe('1');
    expect(predictions).toBe(1);
  });

  it('refuses a POST that is not application/json with 415 E_UNSUPPORTED_MEDIA_TYPE, before the model sees it', async () => {
    const { url } = await serve();
    const before = predictions;
    for (const contentType of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', undefined]) {
      const reply = await send(url, 'POST', '/v1/predict', contentType === undefined ? {} : { 'content-type': contentType }, body);
      expect(reply.status, String(contentType)).toBe(415);
      expect(reply.body?.error?.code).toBe('E_UNSUPPORTED_MEDIA_TYPE');
      expect(reply.body?.error?.message).toContain('Content-Type: application/json');
    }
    expect(predictions).toBe(before);
  });

  it("refuses a page's cross-origin text/plain POST (no preflight needed) with 403 E_FORBIDDEN_ORIGIN", async () => {
    const { url } = await serve();
    const before = predictions;
    const reply = await send(url, 'POST', '/v1/predict', { origin: 'https://evil.example', 'content-type': 'text/plain' }, body);
    expect(reply.status).toBe(403);
    expect(reply.body?.error?.code).toBe('E_FORBIDDEN_ORIGIN');
    expect(reply.body?.error?.message).toContain('EDGEFLEET_AGENT_ALLOWED_ORIGINS');
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
    // Even as JSON, and even for reads, and for the opaque origin of sandboxed frames and files.
    expect((await send(url, 'POST', '/v1/predict', { origin: 'https://evil.example', 'content-type': 'application/json' }, body)).status).toBe(403);
    expect((await send(url, 'GET', '/v1/status', { origin: 'null' })).status).toBe(403);
    expect((await send(url, 'OPTIONS', '/v1/predict', { origin: 'https://evil.example', 'access-control-request-method': 'POST' })).status).toBe(403);
    expect(predictions).toBe(before);
  });

  it('refuses a DNS-rebound name in Host with 403 E_FORBIDDEN_HOST, reads and writes alike', async () => {
    const { url } = await serve();
    const port = new URL(url).port;
    const before = predictions;
    for (const host of [`rebind.evil.example:${port}`, 'rebind.evil.example', `localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`]) {
      const read = await send(url, 'GET', '/v1/status', { host });
      expect(read.status, host).toBe(403);
      expect(read.body?.error?.code).toBe('E_FORBIDDEN_HOST');
      expect(read.body?.error?.message).toContain('EDGEFLEET_AGENT_ALLOWED_HOSTS');
      expect((await send(url, 'POST', '/v1/predict', { host, 'content-type': 'application/json' }, body)).status).toBe(403);
    }
    expect(predictions).toBe(before);
  });

  it('serves the origins and host names it is configured with, and CORS preflights from allowed pages', async () => {
    const { url } = await serve({ allowedOrigins: ['https://console.example:8443'], allowedHosts: ['edge-box.local'] });
    const port = new URL(url).port;
    const preflight = await send(url, 'OPTIONS', '/v1/predict', { origin: 'https://console.example:8443', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://console.example:8443');
    expect(preflight.headers['access-control-allow-headers']).toBe('content-type');
    const allowed = await send(url, 'POST', '/v1/predict', { origin: 'https://console.example:8443', host: `edge-box.local:${port}`, 'content-type': 'application/json' }, body);
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://console.example:8443');
    expect((await send(url, 'GET', '/v1/status', { origin: 'https://console.example' })).status).toBe(403);
    expect((await send(url, 'GET', '/v1/status', { host: 'other-box.local' })).status).toBe(403);
  });

  it('listening on every address, accepts any address in Host but still no name', async () => {
    const { url } = await serve({ bindHost: '0.0.0.0' });
    expect((await send(url, 'GET', '/healthz', { host: '10.1.2.3:8181' })).status).toBe(200);
    expect((await send(url, 'GET', '/healthz', { host: '[fd00::1]:8181' })).status).toBe(200);
    expect((await send(url, 'GET', '/healthz', { host: 'rebind.evil.example:8181' })).status).toBe(403);
  });

  it('reads the allow-lists from the environment and names a bad entry', () => {
    const base = { EDGEFLEET_HUB_URL: 'http://127.0.0.1:8080', EDGEFLEET_DEVICE_ID: 'edge-01', EDGEFLEET_DEVICE_SECRET: 's' };
    expect(parseAgentEnv({ ...base, EDGEFLEET_AGENT_ALLOWED_ORIGINS: 'https://console.example:8443, http://localhost:3000', EDGEFLEET_AGENT_ALLOWED_HOSTS: 'edge-box.local,' }).options).toMatchObject({
      allowedOrigins: ['https://console.example:8443', 'http://localhost:3000'],
      allowedHosts: ['edge-box.local'],
    });
    expect(parseAgentEnv(base).options).not.toHaveProperty('allowedOrigins');
    expect(() => parseAgentEnv({ ...base, EDGEFLEET_AGENT_ALLOWED_ORIGINS: 'https://console.example/app' })).toThrow(/EDGEFLEET_AGENT_ALLOWED_ORIGINS/);
    expect(() => parseAgentEnv({ ...base, EDGEFLEET_AGENT_ALLOWED_HOSTS: 'evil.example/x' })).toThrow(/EDGEFLEET_AGENT_ALLOWED_HOSTS/);
  });
});
