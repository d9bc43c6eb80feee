/**
 * The admin console's static files (hub/src/console/build.ts) at `/` and `/assets/*`. Every page is
 * sent with a Content-Security-Policy that allows only this origin, so a page can load and call
 * nothing elsewhere, and cannot be framed. Hashed assets are cached for a year; index.html never.
 * Not built yet: a 503 that says how (the hub does not build on its own request path).
 * `/assets/*` serves the edge-inference page's bundles too (same build; the page is routes/web-page.ts).
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Context, Hono } from 'hono';
import { compress } from 'hono/compress';
import { CONSOLE_INDEX } from '../../console/build';
import type { AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';

export const consoleSpecs: RouteSpec[] = [
  { method: 'get', path: '/', summary: 'The admin console (sign in with the admin token)', auth: 'none', scope: 'none', responses: { 200: { description: 'the console page', mediaType: 'text/html' }, 503: { description: 'the console is not built (npm run build)' } } },
];

/** The console's policy, directive by directive: this origin only, no inline script, no framing. */
const CONSOLE_DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self'"],
  ['img-src', "'self' data:"],
  ['connect-src', "'self'"],
  ['font-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'self'"],
  ['frame-ancestors', "'none'"],
];

/** The console's policy with sources added to some directives (a directive it lacks is added after script-src). */
export function consoleCspWith(additions: Readonly<Record<string, string>>): string {
  const directives = CONSOLE_DIRECTIVES.map(([name, sources]) => [name, additions[name] ? `${sources} ${additions[name]}` : sources] as const);
  const missing = Object.entries(additions).filter(([name]) => !CONSOLE_DIRECTIVES.some(([known]) => known === name));
  directives.splice(2, 0, ...missing.map(([name, sources]) => [name, sources] as const));
  return directives.map(([name, sources]) => `${name} ${sources}`).join('; ');
}

export const CONSOLE_CSP = consoleCspWith({});

export const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};
/** esbuild's names: `main-ABCD1234.js`, `main-ABCD1234.js.map`, `main-ABCD1234.js.LEGAL.txt` */
const ASSET_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9]+){1,3}$/;

/** The headers every page and asset of the build is sent with; `csp`: the console's unless a page needs its own. */
export const securityHeaders = (c: Context, csp: string = CONSOLE_CSP): void => {
  c.header('Content-Security-Policy', csp);
  c.header('X-Content-Type-Options', 'nosniff');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('X-Frame-Options', 'DENY');
  c.header('Cross-Origin-Opener-Policy', 'same-origin');
};

export async function readOrNull(path: string): Promise<Buffer | null> {
  return readFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
    throw error;
  });
}

export function registerConsole(app: Hono<AppEnv>, consoleDir: string): void {
  // The script is about 350 KB and a third of that gzipped: worth it on a first load over a slow link.
  app.use('/assets/*', compress());
  app.get('/', async (c) => {
    securityHeaders(c);
    const index = await readOrNull(join(consoleDir, CONSOLE_INDEX));
    if (!index) return c.text('The admin console is not built. Run `npm run build` (npm start builds it when missing); the API is at /api/v1/openapi.json.\n', 503);
    c.header('Cache-Control', 'no-cache');
    return c.body(new Uint8Array(index), 200, { 'Content-Type': TYPES['.html'] as string });
  });
  app.get('/assets/:name', async (c) => {
    securityHeaders(c);
    const name = c.req.param('name');
    const type = TYPES[extname(name)];
    const bytes = ASSET_NAME.test(name) && type ? await readOrNull(join(consoleDir, 'assets', name)) : null;
    if (!bytes) return c.text('no such asset\n', 404);
    c.header('Cache-Control', 'public, max-age=31536000, immutable');
    return c.body(new Uint8Array(bytes), 200, { 'Content-Type': type as string });
  });
}
