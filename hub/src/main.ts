/** CLI entry (`npm start`): environment -> startHub -> close on SIGINT/SIGTERM, TLS reload on SIGHUP. */
import { describeMisspeltSettings } from '@edgefleet/protocol';
import { hubOptionsFromEnv, startHub } from './index';
import { misspeltHubSettings } from './config';
import { jsonLogger } from './adapters/logger';
import { consoleIsBuilt, DEFAULT_CONSOLE_DIR, ensureConsoleBuilt, stopConsoleBuilder } from './console/build';

const logger = jsonLogger();

async function main(): Promise<void> {
  let options;
  try {
    options = hubOptionsFromEnv(process.env);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const misspelt = misspeltHubSettings(process.env);
  if (misspelt.length > 0) logger.warn(`ignoring variables the hub does not read: ${describeMisspeltSettings(misspelt)}`);
  // `npm start` from a fresh clone (or over a build older than the /web page): the console and the
  // edge-inference page are built once, before the hub serves them.
  const consoleDir = options.consoleDir ?? DEFAULT_CONSOLE_DIR;
  if (!(await consoleIsBuilt(consoleDir))) {
    logger.info('building the admin console and the edge-inference page (first start)', { dir: consoleDir });
    await ensureConsoleBuilt(consoleDir);
    await stopConsoleBuilder();
    logger.info('admin console and edge-inference page built', { dir: consoleDir });
  }
  const hub = await startHub({ ...options, logger });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      // A second signal means the operator does not want to wait.
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal });
    hub.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // A renewed certificate, now (the files are also checked every 10 s). Without TLS, SIGHUP keeps
  // its default meaning (the terminal went away: stop). The outcome is logged by the reload.
  if (options.tls) {
    process.on('SIGHUP', () => {
      logger.info('SIGHUP: reloading the TLS certificate');
      void hub.reloadTls();
    });
  }
}

main().catch((error: unknown) => {
  logger.error('hub failed to start', { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
