/**
 * ISSUE 14: the edge-inference page at /web, from the same build as the console: its own CSP
 * (onnxruntime-web compiles WebAssembly: 'wasm-unsafe-eval'; MQTT over WebSocket to the broker's
 * origin when that is not the page's), the console's other security headers, no-cache; `/` keeps
 * the console's policy exactly; 503 while unbuilt; a build without web.html counts as unbuilt.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../src/index';
import { consoleIsBuilt, CONSOLE_INDEX, WEB_PAGE } from '../src/console/build';
import { CONSOLE_CSP } from '../src/http/routes/console';
import { brokerOriginFor, webPageCsp } from '../src/http/routes/web-page';
import { makeTempDir, testHub, type TempDir } from './support';

const WEB_HTML = '<!doctype html><title>edgefleet · edge inference</title>\n';

/** The directives of a Content-Security-Policy, by name. */
const directives = (csp: string | null): Record<string, string> =>
  Object.fromEntries((csp ?? '').split(';').map((part) => {
    const [name = '', ...values] = part.trim().split(/\s+/);
    return [name, values.join(' ')];
  }));

/** GET with a Host header of our choosing (fetch may not set one): the page's origin as the browser sees it. */
const getWithHost = (url: string, host: string): Promise<{ status: number; csp: string | undefined }> =>
  new Promise((resolve, reject) => {
    request(url, { headers: { host } }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, csp: response.headers['content-security-policy'] as string | undefined }));
    })
      .on('error', reject)
      .end();
  });

describe('the edge-inference page at /web', () => {
  let dir: TempDir;
  let hub: Hub;
  let unbuilt: Hub;
  let behindProxy: Hub;

  beforeAll(async () => {
    dir = await makeTempDir();
    const built = join(dir.path, 'pages');
    await mkdir(built, { recursive: true });
    await writeFile(join(built, CONSOLE_INDEX), '<!doctype html><title>edgefleet console</title>\n');
    await writeFile(join(built, WEB_PAGE), WEB_HTML);
    await mkdir(join(dir.path, 'empty'));
    hub = await testHub(join(dir.path, 'a'), { consoleDir: built });
    unbuilt = await testHub(join(dir.path, 'b'), { consoleDir: join(dir.path, 'empty') });
    behindProxy = await testHub(join(dir.path, 'c'), { consoleDir: built, publicUrl: 'https://edge.example.test/fleet' });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([hub?.close(), unbuilt?.close(), behindProxy?.close()]);
    await dir?.remove();
  });

  it("serves web.html with a policy that lets onnxruntime-web compile wasm, and the console's other headers", async () => {
    const response = await fetch(`${hub.httpUrl}/web`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toBe(WEB_HTML);
    const csp = directives(response.headers.get('content-security-policy'));
    expect(csp['script-src']).toBe("'self' 'wasm-unsafe-eval'");
    expect(csp['worker-src']).toBe("'self' blob:");
    // The broker is the hub's own (ws://127.0.0.1:<port>/mqtt): 'self' covers it.
    expect(csp['connect-src']).toBe("'self'");
    expect(csp).toMatchObject({ 'default-src': "'self'", 'style-src': "'self'", 'object-src': "'none'", 'base-uri': "'none'", 'frame-ancestors': "'none'" });
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  });

  it("leaves the console's policy at / exactly as it was", async () => {
    const response = await fetch(`${hub.httpUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).not.toContain('wasm-unsafe-eval');
  });

  it('allows the broker’s WebSocket origin when it is not the page’s', async () => {
    // A page opened as http://localhost:<port>/web while devices are told ws://127.0.0.1:<port>/mqtt.
    const port = new URL(hub.httpUrl).port;
    const other = await getWithHost(`${hub.httpUrl}/web`, `localhost:${port}`);
    expect(other.status).toBe(200);
    expect(directives(other.csp ?? null)['connect-src']).toBe(`'self' ws://127.0.0.1:${port}`);
    // A hub behind a TLS proxy: its broker URL is wss://<public host>/fleet/mqtt.
    const proxied = await fetch(`${behindProxy.httpUrl}/web`);
    expect(directives(proxied.headers.get('content-security-policy'))['connect-src']).toBe("'self' wss://edge.example.test");
  });

  it('says how to build it when it is not built', async () => {
    const response = await fetch(`${unbuilt.httpUrl}/web`);
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('npm run build');
    expect(response.headers.get('content-security-policy')).toContain("'wasm-unsafe-eval'");
  });

  it('counts a build from before the page (no web.html) as unbuilt, so npm start rebuilds it', async () => {
    const old = join(dir.path, 'old-build');
    await mkdir(old);
    await writeFile(join(old, CONSOLE_INDEX), '<!doctype html>\n');
    expect(await consoleIsBuilt(old)).toBe(false);
    await writeFile(join(old, WEB_PAGE), WEB_HTML);
    expect(await consoleIsBuilt(old)).toBe(true);
  });
});

describe("the page's broker origin", () => {
  it('is none for the page’s own origin, or for a broker a browser cannot open as a WebSocket', () => {
    expect(brokerOriginFor('ws://127.0.0.1:8080/mqtt', 'http://127.0.0.1:8080/web')).toBeNull();
    expect(brokerOriginFor('wss://hub.example.test/mqtt', 'https://hub.example.test/web')).toBeNull();
    expect(brokerOriginFor('mqtts://broker.example.test:8883', 'https://hub.example.test/web')).toBeNull();
    expect(brokerOriginFor('', 'http://127.0.0.1:8080/web')).toBeNull();
  });

  it("is an external broker's origin, without path or credentials", () => {
    expect(brokerOriginFor('wss://user:secret@broker.example.test:8884/mqtt', 'https://hub.example.test/web')).toBe('wss://broker.example.test:8884');
    expect(brokerOriginFor('ws://127.0.0.1:9001', 'http://127.0.0.1:8080/web')).toBe('ws://127.0.0.1:9001');
    // Same host and port but plain ws under an https page: another origin (and mixed content).
    expect(brokerOriginFor('ws://hub.example.test/mqtt', 'https://hub.example.test/web')).toBe('ws://hub.example.test');
    expect(webPageCsp('wss://broker.example.test:8884')).toContain("connect-src 'self' wss://broker.example.test:8884;");
  });
});
