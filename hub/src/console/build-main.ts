/** `npm run build`: the admin console's static files, into hub/dist/console (or the directory given). */
import { buildConsole, DEFAULT_CONSOLE_DIR, stopConsoleBuilder } from './build';

const started = Date.now();
const outDir = process.argv[2] ?? DEFAULT_CONSOLE_DIR;
buildConsole(outDir).then(
  async (built) => {
    await stopConsoleBuilder();
    // What a browser loads (source maps and licence notes only when asked for).
    const loaded = Object.entries(built.assets).filter(([name]) => name.endsWith('.js') || name.endsWith('.css'));
    const sizes = loaded.map(([name, size]) => `${name} ${(size / 1024).toFixed(0)} KiB`).join(', ');
    process.stdout.write(`console built in ${Date.now() - started} ms into ${built.dir}: ${sizes}\n`);
  },
  (error: unknown) => {
    process.stderr.write(`console build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
