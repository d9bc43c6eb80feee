/** `edgefleet-agent --help`; agent/test/deploy-files.test.ts holds it to the variables the agent reads. */
import { AGENT_VERSION } from './version';

export const USAGE = `edgefleet-agent ${AGENT_VERSION}: the edgefleet device agent
Configured by the environment:
  EDGEFLEET_HUB_URL              the hub, http(s)://host:port (required)
  EDGEFLEET_DEVICE_ID            this device's id (required)
  EDGEFLEET_DEVICE_SECRET        its secret, or
  EDGEFLEET_DEVICE_SECRET_FILE   a file holding it (exactly one of the two)
  EDGEFLEET_CA_FILE              PEM certificates to trust for the hub's TLS, beside the public CAs
  EDGEFLEET_BROKER_URL           the MQTT broker (default: what the hub says)
  EDGEFLEET_AGENT_DATA_DIR       state and models (default: $STATE_DIRECTORY under systemd,
                                 else ~/.local/state/edgefleet-agent)
  EDGEFLEET_AGENT_PORT           the local API on 127.0.0.1 (default 8181)
  EDGEFLEET_AGENT_ALLOWED_ORIGINS  web origins (https://host:port, comma-separated) whose pages may call that API (default none)
  EDGEFLEET_AGENT_ALLOWED_HOSTS    host names that API answers to besides localhost and IP addresses (comma-separated)
  EDGEFLEET_AGENT_MODEL_MEMORY_MB  memory a new model may use in the sandbox probe (default 512)
  EDGEFLEET_AGENT_BATCH_DIR        where batch-job inputs may live; files renamed into <dir>/inbox become jobs (default <data dir>/batch)
  EDGEFLEET_AGENT_BATCH_CHECKPOINT_MS  least time between a batch job's checkpoints (default 1000)
  EDGEFLEET_AGENT_PROBE_TIMEOUT_S  time that probe may take (default 60)
Options: --help, --version
`;
