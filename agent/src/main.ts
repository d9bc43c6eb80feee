/** CLI entry (`npm run agent`): configuration from the environment, shutdown on SIGINT/SIGTERM. */
import { startAgent } from './agent';
import { agentOptionsFromEnv } from './config';
import { jsonLogger } from './logger';

async function main(): Promise<void> {
  const logger = jsonLogger();
  let options;
  try {
    options = agentOptionsFromEnv(process.env);
  } catch (error) {
    logger.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
    return;
  }
  const agent = await startAgent({ ...options, logger });
  logger.info('local API listening', { url: agent.localUrl });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    agent.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`edgefleet agent failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
