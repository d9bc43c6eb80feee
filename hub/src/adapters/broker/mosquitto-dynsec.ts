/**
 * The hub as administrator of an operator's Mosquitto 2 through its dynamic-security plugin
 * (`EDGEFLEET_BROKER_PROVISIONING=mosquitto-dynsec`): commands go out on the hub's own broker
 * connection and answers are matched by correlation id, each run bounded by a timeout. The
 * commands themselves are pure (core/broker-provisioning/dynsec-commands.ts).
 */
import { HubError } from '../../core/errors';
import {
  DEVICE_ROLE_PREFIX,
  DYNSEC_RESPONSE_TOPIC,
  DYNSEC_TOPIC,
  HUB_ROLE,
  createDeviceCommands,
  deleteDeviceCommands,
  getClientCommand,
  hubAccountCommands,
  isAlreadyDone,
  isAlreadyGone,
  listClientsCommand,
  parseResponses,
  rotateSecretCommands,
  setClientIdCommand,
  type DynsecCommand,
  type DynsecResponse,
} from '../../core/broker-provisioning/dynsec-commands';
import type { Logger } from '../logger';
import type { BrokerAdapter } from './broker';
import type { BrokerProvisioner } from './provisioner';

const DEFAULT_TIMEOUT_MS = 10_000;

export interface DynsecClient {
  /** One answer per command, in order; rejects when the broker does not answer within `timeoutMs` (default 10 s). */
  run(commands: readonly DynsecCommand[], timeoutMs?: number): Promise<DynsecResponse[]>;
}

export async function dynsecClient(broker: Pick<BrokerAdapter, 'publish' | 'subscribe'>, options: { timeoutMs?: number } = {}): Promise<DynsecClient> {
  const waiting = new Map<string, (response: DynsecResponse) => void>();
  let next = 0;
  await broker.subscribe(DYNSEC_RESPONSE_TOPIC, (message) => {
    for (const response of parseResponses(message.payload.toString('utf8'))) {
      const id = response.correlationData;
      const resolve = id === undefined ? undefined : waiting.get(id);
      if (id !== undefined && resolve) {
        waiting.delete(id);
        resolve(response);
      }
    }
  });
  return {
    async run(commands, timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS) {
      const ids = commands.map(() => `edgefleet-${process.pid}-${next++}`);
      const answers = ids.map((id) => new Promise<DynsecResponse>((resolve) => waiting.set(id, resolve)));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          for (const id of ids) waiting.delete(id);
          reject(new HubError('E_BROKER', `the broker did not answer ${commands.map((c) => c.command).join(', ')} on ${DYNSEC_TOPIC} within ${timeoutMs} ms (is the dynamic-security plugin loaded, and may the hub's user use it?)`));
        }, timeoutMs);
      });
      // QoS 0: a command Mosquitto answers by dropping this connection (a change to the hub's own
      // client) would otherwise be sent again after every reconnect, and drop it again.
      const sent = broker.publish(DYNSEC_TOPIC, JSON.stringify({ commands: commands.map((command, i) => ({ ...command, correlationData: ids[i] })) }), { qos: 0 });
      try {
        return await Promise.race([sent.then(() => Promise.all(answers)), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Throws E_BROKER naming the first command that failed, unless its error is one `tolerated` accepts. */
function requireOk(responses: readonly DynsecResponse[], what: string, tolerated: (response: DynsecResponse) => boolean = () => false): void {
  const failed = responses.find((response) => response.error !== undefined && !tolerated(response));
  if (failed) throw new HubError('E_BROKER', `${what}: the broker refused ${failed.command}: ${failed.error ?? ''}`, { details: { command: failed.command, error: failed.error } });
}

interface ClientData {
  client?: { clientid?: string; roles?: Array<{ rolename?: string }> };
}

async function hubClient(client: DynsecClient, hubUser: string): Promise<NonNullable<ClientData['client']>> {
  const [account] = await client.run([getClientCommand(hubUser)]);
  if (!account || account.error) throw new HubError('E_BROKER', `the hub's broker user ${hubUser} is not a dynamic-security client: ${account?.error ?? 'no answer'}`);
  return ((account.data ?? {}) as ClientData).client ?? {};
}

/**
 * A change to the hub's own broker client (a role, its client id): Mosquitto drops every
 * connection of that user when it changes, this one included, so the answer may be lost, and
 * mqtt.js sends the unacknowledged command again after reconnecting, which then fails as already
 * done. So the answer is not trusted: the client is read back until it shows the change.
 */
async function changeOwnClient(client: DynsecClient, hubUser: string, command: DynsecCommand, done: (current: NonNullable<ClientData['client']>) => boolean, timeoutMs: number): Promise<void> {
  // Its answer usually dies with the connection: wait briefly, then read the client back.
  await client.run([command], 1_000).catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (done(await hubClient(client, hubUser))) return;
    if (Date.now() > deadline) throw new HubError('E_BROKER', `the broker did not apply ${command.command} to the hub's user ${hubUser}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Sets up the hub's own account (default-deny ACLs, its role, its client id pinned) and returns
 * the provisioner. Changing its own client makes Mosquitto drop the hub's connection once per
 * change; the hub reconnects with the same id and its persistent session, so nothing is lost.
 */
export async function mosquittoDynsecProvisioner(client: DynsecClient, options: { hubUser: string; hubClientId: string; logger: Logger; timeoutMs?: number }): Promise<BrokerProvisioner> {
  const { hubUser, hubClientId, logger } = options;
  const current = await hubClient(client, hubUser);
  const { setUp, giveRole } = hubAccountCommands(hubUser);
  requireOk(await client.run(setUp), 'setting up the hub account', isAlreadyDone);
  const holdsRole = (c: NonNullable<ClientData['client']>): boolean => c.roles?.some((held) => held.rolename === HUB_ROLE) ?? false;
  if (!holdsRole(current)) {
    logger.info('giving the hub broker account its role (the broker drops this connection once)', { user: hubUser, role: HUB_ROLE });
    await changeOwnClient(client, hubUser, giveRole, holdsRole, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }
  if (current.clientid !== hubClientId) {
    logger.info('pinning the hub broker account to its client id (the broker drops this connection once)', { user: hubUser, clientId: hubClientId });
    await changeOwnClient(client, hubUser, setClientIdCommand(hubUser, hubClientId), (c) => c.clientid === hubClientId, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  }
  return {
    kind: 'mosquitto-dynsec',
    async deviceCreated(id, secret) {
      // The database is the truth and the caller holds the device's lock: an account under this
      // id (left by a crash between broker and database) is stale, so it is replaced.
      requireOk(await client.run(deleteDeviceCommands(id)), `clearing a stale broker account for ${id}`, isAlreadyGone);
      requireOk(await client.run(createDeviceCommands(id, secret)), `provisioning device ${id}`);
    },
    async secretRotated(id, secret) {
      requireOk(await client.run(rotateSecretCommands(id, secret)), `rotating device ${id}'s secret`);
    },
    async deviceRemoved(id) {
      requireOk(await client.run(deleteDeviceCommands(id)), `removing device ${id}`, isAlreadyGone);
    },
    async reconcile(inService) {
      const [listed] = await client.run([listClientsCommand()]);
      requireOk(listed ? [listed] : [], 'listing broker clients');
      const usernames = ((listed?.data ?? {}) as { clients?: unknown[] }).clients?.filter((name): name is string => typeof name === 'string') ?? [];
      // Only clients the hub made (they hold a role named after them); the operator's own stay.
      let removed = 0;
      for (const username of usernames) {
        if (username === hubUser || (await inService(username))) continue;
        const [details] = await client.run([getClientCommand(username)]);
        const roles = ((details?.data ?? {}) as ClientData).client?.roles ?? [];
        if (!roles.some((held) => held.rolename === `${DEVICE_ROLE_PREFIX}${username}`)) continue;
        requireOk(await client.run(deleteDeviceCommands(username)), `removing stale broker client ${username}`, isAlreadyGone);
        removed++;
      }
      if (removed > 0) logger.info('removed broker clients of devices that are not in service', { removed });
      return removed;
    },
  };
}
