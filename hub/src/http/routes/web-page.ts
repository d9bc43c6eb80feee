/**
 * The edge-inference demo page (issue 14) at `/web`: built with the console (console/build.ts,
 * web.html beside index.html, its bundles under the same /assets/), sent with the console's
 * security headers but a policy of its own. onnxruntime-web compiles WebAssembly, which
 * `script-src 'self'` forbids without 'wasm-unsafe-eval' (still no eval of JavaScript), and the
 * page speaks MQTT over WebSocket to the hub's broker URL, which for an external broker is another
 * origin; mqtt.js keeps its keepalive in a blob: Worker (worker-src). The broker URL is read per request: the hub learns its own ports only once it listens.
 */
import type { Hono } from 'hono';
import { join } from 'node:path';
import { WEB_PAGE } from '../../console/build';
import type { HubUrls } from '../../services/context';
import type { AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { consoleCspWith, readOrNull, securityHeaders, TYPES } from './console';

export const WEB_PAGE_PATH = '/web';

export const webPageSpecs: RouteSpec[] = [
  {
    method: 'get',
    path: WEB_PAGE_PATH,
    summary: "The edge-inference page: draw a digit, the fleet's model answers in the browser (enrol with the operator's link, /web#enrol=<token>)",
    auth: 'none',
    scope: 'none',
    responses: { 200: { description: 'the page', mediaType: 'text/html' }, 503: { description: 'the page is not built (npm run build)' } },
  },
];

/** http -> ws, https -> wss: the WebSocket scheme of a page's own origin, which 'self' covers. */
const WS_OF: Record<string, string> = { 'http:': 'ws:', 'https:': 'wss:' };

/**
 * The origin to allow beside 'self' for MQTT over WebSocket: `wsUrl`'s, unless it is the page's
 * own (same host and port, ws for an http page, wss for https). Null also for a URL a browser
 * cannot open as a WebSocket (an external broker reached over plain MQTT) or none at all.
 */
export function brokerOriginFor(wsUrl: string, pageUrl: string): string | null {
  let ws: URL;
  let page: URL;
  try {
    ws = new URL(wsUrl);
    page = new URL(pageUrl);
  } catch {
    return null;
  }
  if (ws.protocol !== 'ws:' && ws.protocol !== 'wss:') return null;
  if (ws.host === page.host && WS_OF[page.protocol] === ws.protocol) return null;
  // URL.host is already normalised (lower case, no default port, no credentials, no spaces or ';').
  return `${ws.protocol}//${ws.host}`;
}

/** The page's Content-Security-Policy: the console's, plus wasm compilation and the broker's origin. */
export function webPageCsp(brokerOrigin: string | null): string {
  return consoleCspWith({
    'script-src': "'wasm-unsafe-eval'",
    // mqtt.js runs its keepalive timers in a Worker made from a blob: URL, because browsers
    // throttle a background tab's timers to once a minute, which would drop the MQTT session.
    'worker-src': "'self' blob:",
    ...(brokerOrigin ? { 'connect-src': brokerOrigin } : {}),
  });
}

export function registerWebPage(app: Hono<AppEnv>, consoleDir: string, urls: () => HubUrls): void {
  app.get(WEB_PAGE_PATH, async (c) => {
    securityHeaders(c, webPageCsp(brokerOriginFor(urls().wsUrl, c.req.url)));
    const html = await readOrNull(join(consoleDir, WEB_PAGE));
    if (!html) return c.text('The edge-inference page is not built. Run `npm run build` (npm start builds it when missing).\n', 503);
    c.header('Cache-Control', 'no-cache');
    return c.body(new Uint8Array(html), 200, { 'Content-Type': TYPES['.html'] as string });
  });
}
