/**
 * Builds the admin console (hub/console/src) with esbuild into one directory the hub serves at `/`:
 * hashed, minified bundles and an index.html naming them. Nothing is fetched: every dependency is
 * bundled from node_modules, so the pages load no other origin. The directory is built beside its
 * destination, fsynced and renamed into place, so a hub never serves half a build.
 */
import { open, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, stop } from 'esbuild';

const HUB_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where `npm run build` writes the console and where the hub serves it from by default. */
export const DEFAULT_CONSOLE_DIR = join(HUB_ROOT, 'dist', 'console');
const ENTRY = join(HUB_ROOT, 'console', 'src', 'main.tsx');
export const CONSOLE_INDEX = 'index.html';

export interface ConsoleBuild {
  dir: string;
  /** file name -> bytes, the assets index.html loads */
  assets: Record<string, number>;
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const page = (script: string, style: string | undefined): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>edgefleet console</title>
${style ? `<link rel="stylesheet" href="/assets/${style}">\n` : ''}<script type="module" src="/assets/${script}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The edgefleet console needs JavaScript. The same actions are in the REST API: /api/v1/openapi.json</noscript>
</body>
</html>
`;

export async function buildConsole(outDir: string = DEFAULT_CONSOLE_DIR): Promise<ConsoleBuild> {
  await mkdir(dirname(outDir), { recursive: true });
  const staging = `${outDir}.tmp-${process.pid}-${Date.now()}`;
  const assetsDir = join(staging, 'assets');
  try {
    const result = await build({
      entryPoints: [ENTRY],
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
    const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
    const script = outputs.find((name) => name.endsWith('.js'));
    const style = outputs.find((name) => name.endsWith('.css'));
    if (!script) throw new Error('esbuild produced no script');
    await writeFile(join(staging, CONSOLE_INDEX), page(script, style));
    const assets: Record<string, number> = {};
    for (const name of await readdir(assetsDir)) {
      await fsyncPath(join(assetsDir, name));
      assets[name] = (await stat(join(assetsDir, name))).size;
    }
    await fsyncPath(join(staging, CONSOLE_INDEX));
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
    return { dir: outDir, assets };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** True when `dir` holds a finished build (index.html is written last before the rename). */
export async function consoleIsBuilt(dir: string = DEFAULT_CONSOLE_DIR): Promise<boolean> {
  return stat(join(dir, CONSOLE_INDEX)).then(
    () => true,
    () => false,
  );
}

/**
 * Builds the console unless `dir` already holds one (`npm start`, `npm run demo`); true when it
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
