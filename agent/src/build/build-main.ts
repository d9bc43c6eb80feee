/**
 * `npm run build -w @edgefleet/agent` (and `prepack`): the bundled agent into agent/dist. Says
 * so on stderr, so `npm pack --json` keeps a clean stdout.
 */
import { buildAgent } from './bundle';

buildAgent(process.argv[2]).then(
  (built) => process.stderr.write(`agent built in ${built.ms} ms: ${built.bin} (${(built.bytes / 1024).toFixed(0)} KiB)\n`),
  (error: unknown) => {
    process.stderr.write(`agent build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
