/**
 * The agent program (`edgefleet-agent`, `npm run agent`): configuration from the environment,
 * shutdown on SIGINT/SIGTERM. Exit codes: 2 for a configuration it cannot start with, 1 when
 * the start fails otherwise (the local API port taken, the data dir not writable).
 */
import { startAgent } from './agent';
import { agentOptionsFromEnv, type EnvOptions } from './adapters/env-files';
import { jsonLogger } from './logger';
import { AGENT_VERSION } from './version';

const USAGE = `edgefleet-agent ${AGENT_VERSION}: the edgefleet device agent
Configured by the environment:
  EDGEFLEET_HUB_URL              the hub, http(s)://host:port (required)
  EDGEFLEET_DEVICE_ID            this device's id (required)
  EDGEFLEET_DEVICE_SECRET        its secret, or
  EDGEFLEET_DEVICE_SECRET_FILE   a file holding it (exactly one of the two)
  EDGEFLEET_CA_FILE              PEM certificates to trust for the hub's TLS, beside the public CAs
  EDGEFLEET_BROKER_URL           the MQTT broker (default: what the hub says)
  EDGEFLEET_AGENT_DATA_DIR       state and models (default: $STATE_DIRECTORY under systemd, else ./agent-data)
  EDGEFLEET_AGENT_PORT           the local API on 127.0.0.1 (default 8181)
  EDGEFLEET_AGENT_ALLOWED_ORIGINS  web origins (https://host:port, comma-separated) whose pages may call that API (default none)
  EDGEFLEET_AGENT_ALLOWED_HOSTS    host names that API answers to besides localhost and IP addresses (comma-separated)
  EDGEFLEET_AGENT_MODEL_MEMORY_MB  memory a new model may use in the sandbox probe (default 512)
  EDGEFLEET_AGENT_BATCH_DIR        where batch-job inputs may live; files renamed into <dir>/inbox become jobs (default <data dir>/batch)
  EDGEFLEET_AGENT_BATCH_CHECKPOINT_MS  least time between a batch job's checkpoints (default 1000)
  EDGEFLEET_AGENT_PROBE_TIMEOUT_S  time that probe may take (default 60)
Options: --help, --version
`;

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
