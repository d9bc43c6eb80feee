/**
 * Builds the hub's two browser pages with esbuild into one directory: the admin console
 * (hub/console/src, served at `/`) and the edge-inference demo page (web-runtime/demo, served at
 * `/web`). One esbuild run, hashed, minified bundles under assets/, and an html file per page
 * naming its own script and stylesheet. Nothing is fetched: every dependency is bundled from
 * node_modules, so the pages load no other origin. The directory is built beside its destination,
 * fsynced and renamed into place, so a hub never serves half a build.
 */
import { open, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, stop, type Metafile } from 'esbuild';

const HUB_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REPO_ROOT = join(HUB_ROOT, '..');
/** Where `npm run build` writes the pages and where the hub serves them from by default. */
export const DEFAULT_CONSOLE_DIR = join(HUB_ROOT, 'dist', 'console');
export const CONSOLE_INDEX = 'index.html';
/** The edge-inference demo page (issue 14), beside the console's index.html. */
export const WEB_PAGE = 'web.html';

export type PageName = 'console' | 'web';

interface PageSpec {
  /** the entry module */
  entry: string;
  /** the bundle's base name under assets/ (`main-HASH.js`, `web-HASH.css`) */
  out: string;
  html: string;
  title: string;
  noscript: string;
  /** the `<link rel="icon">` href, if the page names one (the browser asks for /favicon.ico otherwise, a 404) */
  icon?: string;
}

const PAGES: Record<PageName, PageSpec> = {
  console: {
    entry: join(HUB_ROOT, 'console', 'src', 'main.tsx'),
    out: 'main',
    html: CONSOLE_INDEX,
    title: 'edgefleet console',
    noscript: 'The edgefleet console needs JavaScript. The same actions are in the REST API: /api/v1/openapi.json',
  },
  web: {
    entry: join(REPO_ROOT, 'web-runtime', 'demo', 'main.tsx'),
    out: 'web',
    html: WEB_PAGE,
    title: 'edgefleet · edge inference',
    // An empty icon: otherwise the browser asks for /favicon.ico, a 404 in the page's console.
    icon: 'data:,',
    noscript: 'This page runs a model in your browser and needs JavaScript (and WebAssembly).',
  },
};
const PAGE_NAMES = Object.keys(PAGES) as PageName[];

/** What one page loads: its script and stylesheet (file names under assets/) and their sizes. */
export interface PageAssets {
  html: string;
  script: string;
  style: string | null;
  /** bytes of the script plus the stylesheet: what a browser loads for the page */
  bytes: number;
}

export interface ConsoleBuild {
  dir: string;
  /** file name -> bytes, every file under assets/ (bundles, source maps, licence notes) */
  assets: Record<string, number>;
  pages: Record<PageName, PageAssets>;
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const page = (spec: PageSpec, script: string, style: string | null): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${spec.title}</title>
${spec.icon ? `<link rel="icon" href="${spec.icon}">\n` : ''}${style ? `<link rel="stylesheet" href="/assets/${style}">\n` : ''}<script type="module" src="/assets/${script}"></script>
</head>
<body>
<div id="app"></div>
<noscript>${spec.noscript}</noscript>
</body>
</html>
`;

/** The script and stylesheet esbuild wrote for `spec`'s entry. */
function outputsOf(metafile: Metafile, spec: PageSpec): { script: string; style: string | null } {
  for (const [path, output] of Object.entries(metafile.outputs)) {
    // Both entries are main.tsx: the output's name (`out`) tells them apart.
    if (!output.entryPoint || !path.endsWith('.js') || !basename(path).startsWith(`${spec.out}-`)) continue;
    return { script: basename(path), style: output.cssBundle ? basename(output.cssBundle) : null };
  }
  throw new Error(`esbuild produced no script for ${spec.entry}`);
}

export async function buildConsole(outDir: string = DEFAULT_CONSOLE_DIR): Promise<ConsoleBuild> {
  await mkdir(dirname(outDir), { recursive: true });
  const staging = `${outDir}.tmp-${process.pid}-${Date.now()}`;
  const assetsDir = join(staging, 'assets');
  try {
    const result = await build({
      entryPoints: PAGE_NAMES.map((name) => ({ in: PAGES[name].entry, out: PAGES[name].out })),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
      minify: true,
      sourcemap: 'linked',
      outdir: assetsDir,
      entryNames: '[name]-[hash]',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      metafile: true,
      legalComments: 'linked',
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
    });
    const assets: Record<string, number> = {};
    for (const name of await readdir(assetsDir)) {
      await fsyncPath(join(assetsDir, name));
      assets[name] = (await stat(join(assetsDir, name))).size;
    }
    const pages = {} as Record<PageName, PageAssets>;
    for (const name of PAGE_NAMES) {
      const spec = PAGES[name];
      const { script, style } = outputsOf(result.metafile, spec);
      await writeFile(join(staging, spec.html), page(spec, script, style));
      await fsyncPath(join(staging, spec.html));
      pages[name] = { html: spec.html, script, style, bytes: (assets[script] ?? 0) + (style ? (assets[style] ?? 0) : 0) };
    }
    // Swap: the old build moves aside, the new one takes its name, then the old one goes.
    const previous = `${outDir}.old-${process.pid}-${Date.now()}`;
    const hadPrevious = await rename(outDir, previous).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
    await rename(staging, outDir);
    await fsyncPath(dirname(outDir));
    if (hadPrevious) await rm(previous, { recursive: true, force: true });
    return { dir: outDir, assets, pages };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * True when `dir` holds a finished build of every page (the html files are written last before
 * the rename): a build from before the demo page existed has no web.html and counts as unbuilt.
 */
export async function consoleIsBuilt(dir: string = DEFAULT_CONSOLE_DIR): Promise<boolean> {
  const present = await Promise.all(
    PAGE_NAMES.map((name) =>
      stat(join(dir, PAGES[name].html)).then(
        () => true,
        () => false,
      ),
    ),
  );
  return present.every(Boolean);
}

/**
 * Builds the pages unless `dir` already holds them (`npm start`, `npm run demo`); true when it
 * built. Two processes starting at once may both build: the loser's rename fails, and it accepts
 * the winner's build.
 */
export async function ensureConsoleBuilt(dir: string = DEFAULT_CONSOLE_DIR): Promise<boolean> {
  if (await consoleIsBuilt(dir)) return false;
  try {
    await buildConsole(dir);
    return true;
  } catch (error) {
    if (await consoleIsBuilt(dir)) return false;
    throw error;
  }
}

/**
 * Ends esbuild's service process. A build starts it and it outlives the build: a process that
 * builds once (a hub at start, a test run's setup) stops it rather than keep a child around.
 */
export async function stopConsoleBuilder(): Promise<void> {
  await stop();
}
