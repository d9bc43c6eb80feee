/**
 * The agent program (`edgefleet-agent`, `npm run agent`): configuration from the environment,
 * shutdown on SIGINT/SIGTERM. Exit codes: 2 for a configuration it cannot start with, 1 when
 * the start fails otherwise (the local API port taken, the data dir not writable).
 */
import { startAgent } from './agent';
import { agentOptionsFromEnv, type EnvOptions } from './adapters/env-files';
import { jsonLogger } from './logger';
import { USAGE } from './usage';
import { AGENT_VERSION } from './version';


async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--version')) return void process.stdout.write(`${AGENT_VERSION}\n`);
  if (args.includes('--help') || args.includes('-h')) return void process.stdout.write(USAGE);
  const logger = jsonLogger();
  if (args.length > 0) {
    logger.error(`unknown argument ${JSON.stringify(args[0])}: the agent is configured by the environment (edgefleet-agent --help)`);
    process.exitCode = 2;
    return;
  }
  let loaded: EnvOptions;
  try {
    loaded = await agentOptionsFromEnv(process.env);
  } catch (error) {
    logger.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
    return;
  }
  for (const warning of loaded.warnings) logger.warn(warning);
  const agent = await startAgent({ ...loaded.options, logger });
  logger.info('local API listening', { url: agent.localUrl, version: AGENT_VERSION });
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
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  process.stderr.write(`edgefleet agent failed to start: ${error instanceof Error ? error.message : String(error)}${cause}\n`);
  process.exit(1);
});
