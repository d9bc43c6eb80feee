/**
 * `npm run build`: the admin console and the edge-inference page, into hub/dist/console (or the
 * directory given). Prints what a browser loads for each page (source maps and licence notes
 * only when asked for), and the onnxruntime-web wasm the hub serves the page beside its bundle.
 */
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { buildConsole, DEFAULT_CONSOLE_DIR, stopConsoleBuilder, type PageAssets } from './build';

const started = Date.now();
const outDir = process.argv[2] ?? DEFAULT_CONSOLE_DIR;
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
const loads = (built: { assets: Record<string, number> }, page: PageAssets): string =>
  [page.script, page.style]
    .filter((name): name is string => name !== null)
    .map((name) => `${name} ${kib(built.assets[name] ?? 0)}`)
    .join(', ');
/** The wasm runtime GET /web-runtime/ort/ serves (not bundled: the page fetches it once and the browser caches it). */
const wasmBytes = (): Promise<number> =>
  stat(createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm')).then(
    (found) => found.size,
    () => 0,
  );

buildConsole(outDir).then(
  async (built) => {
    await stopConsoleBuilder();
    const wasm = await wasmBytes();
    process.stdout.write(
      `pages built in ${Date.now() - started} ms into ${built.dir}\n` +
        `  console (/): ${loads(built, built.pages.console)}\n` +
        `  edge inference (/web): ${loads(built, built.pages.web)} (${kib(built.pages.web.bytes)} in all)` +
        (wasm ? `, plus onnxruntime-web's wasm ${(wasm / 1024 / 1024).toFixed(1)} MiB from /web-runtime/ort/\n` : '\n'),
    );
  },
  (error: unknown) => {
    process.stderr.write(`console build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
