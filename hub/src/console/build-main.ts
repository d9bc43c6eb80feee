/** `npm run build`: the admin console's static files, into hub/dist/console (or the directory given). */
import { buildConsole, DEFAULT_CONSOLE_DIR } from './build';

const started = Date.now();
const outDir = process.argv[2] ?? DEFAULT_CONSOLE_DIR;
buildConsole(outDir).then(
  (built) => {
    const total = Object.values(built.assets).reduce((sum, size) => sum + size, 0);
    process.stdout.write(`console built in ${Date.now() - started} ms: ${built.dir} (${Object.keys(built.assets).length} files, ${(total / 1024).toFixed(0)} KiB)\n`);
  },
  (error: unknown) => {
    process.stderr.write(`console build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
