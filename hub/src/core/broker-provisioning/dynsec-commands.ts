/**
 * Commands for Mosquitto 2's dynamic-security plugin (pure): what the hub asks the operator's
 * Mosquitto to do when it enrols, rotates or decommissions a device, and for its own account.
 * They travel as JSON on `$CONTROL/dynamic-security/v1`; each answer comes back on
 * `.../response` with the command's name, an `error` when it failed, and our `correlationData`.
 *
 * Each device gets a client whose username and client id are both its id (pinned: another client
 * id with its credentials is refused, so no device can take over the hub's session) and a role of
 * its own holding exactly the ACL of the embedded broker (core/access-policy.ts): publish to its
 * own state, stats, events and online topics, subscribe to its own desired topic and the trust
 * topic, literally (wildcards never match a literal ACL). Mosquitto 2.0's ACLs have no `%c`
 * substitution, hence one role per device. "Never retained" cannot be said in a dynsec ACL: the
 * hub ignores retained device messages instead (services/statistics/ingest.ts).
 */
import { DEVICE_PUBLISH_KINDS, TOPIC_ROOT, TRUST_TOPIC, desiredTopic, deviceTopic } from '@edgefleet/protocol';

export const DYNSEC_TOPIC = '$CONTROL/dynamic-security/v1';
export const DYNSEC_RESPONSE_TOPIC = `${DYNSEC_TOPIC}/response`;
/** Roles the hub creates for devices are named `<prefix><device id>`: reconciliation finds them by it. */
export const DEVICE_ROLE_PREFIX = 'edgefleet-device-';
export const HUB_ROLE = 'edgefleet-hub';

export type DynsecCommand = { command: string } & Record<string, unknown>;

interface Acl {
  acltype: 'publishClientSend' | 'publishClientReceive' | 'subscribeLiteral' | 'subscribePattern' | 'unsubscribePattern';
  topic: string;
  allow: boolean;
  priority?: number;
}

export const deviceRole = (deviceId: string): string => `${DEVICE_ROLE_PREFIX}${deviceId}`;

export function deviceAcls(deviceId: string): Acl[] {
  return [
    ...DEVICE_PUBLISH_KINDS.map((kind): Acl => ({ acltype: 'publishClientSend', topic: deviceTopic(deviceId, kind), allow: true })),
    { acltype: 'subscribeLiteral', topic: desiredTopic(deviceId), allow: true },
    { acltype: 'subscribeLiteral', topic: TRUST_TOPIC, allow: true },
  ];
}

/** A new device: its role, then its client (pinned client id) holding that role. */
export function createDeviceCommands(deviceId: string, secret: string): DynsecCommand[] {
  const rolename = deviceRole(deviceId);
  return [
    { command: 'createRole', rolename, textdescription: `edgefleet device ${deviceId}`, acls: deviceAcls(deviceId) },
    { command: 'createClient', username: deviceId, password: secret, clientid: deviceId, textdescription: 'edgefleet device', roles: [{ rolename, priority: 0 }] },
  ];
}

/** Mosquitto disconnects a client whose password changes: the old secret's session ends there. */
export const rotateSecretCommands = (deviceId: string, secret: string): DynsecCommand[] => [{ command: 'setClientPassword', username: deviceId, password: secret }];

/** Deleting the client disconnects it; its role goes too. */
export const deleteDeviceCommands = (deviceId: string): DynsecCommand[] => [
  { command: 'deleteClient', username: deviceId },
  { command: 'deleteRole', rolename: deviceRole(deviceId) },
];

/**
 * The hub's own account: denies by default what is not granted (the plugin's defaults, asserted),
 * a role that may publish (retained too) and subscribe to everything under the protocol root and
 * use the plugin's control topics, held by the hub's user, whose client id is pinned to the hub's.
 */
export function hubAccountCommands(hubUser: string): { setUp: DynsecCommand[]; giveRole: DynsecCommand } {
  const acls: Acl[] = [
    { acltype: 'publishClientSend', topic: `${TOPIC_ROOT}/#`, allow: true },
    { acltype: 'publishClientReceive', topic: `${TOPIC_ROOT}/#`, allow: true },
    { acltype: 'subscribePattern', topic: `${TOPIC_ROOT}/#`, allow: true },
    { acltype: 'publishClientSend', topic: DYNSEC_TOPIC, allow: true },
    { acltype: 'subscribePattern', topic: DYNSEC_RESPONSE_TOPIC, allow: true },
    { acltype: 'publishClientReceive', topic: DYNSEC_RESPONSE_TOPIC, allow: true },
  ];
  return {
    setUp: [
      {
        command: 'setDefaultACLAccess',
        acls: [
          { acltype: 'publishClientSend', allow: false },
          { acltype: 'subscribe', allow: false },
        ],
      },
      { command: 'createRole', rolename: HUB_ROLE, textdescription: 'the edgefleet hub', acls },
    ],
    giveRole: { command: 'addClientRole', username: hubUser, rolename: HUB_ROLE, priority: 10 },
  };
}

export const setClientIdCommand = (username: string, clientid: string): DynsecCommand => ({ command: 'setClientId', username, clientid });
export const getClientCommand = (username: string): DynsecCommand => ({ command: 'getClient', username });
export const listClientsCommand = (): DynsecCommand => ({ command: 'listClients', verbose: false, count: -1, offset: 0 });

export interface DynsecResponse {
  command: string;
  error?: string;
  correlationData?: string;
  data?: unknown;
}

/** The responses in one answer; anything not shaped like one is dropped. */
export function parseResponses(payload: string): DynsecResponse[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return [];
  }
  const responses = typeof parsed === 'object' && parsed !== null && 'responses' in parsed ? (parsed as { responses: unknown }).responses : undefined;
  if (!Array.isArray(responses)) return [];
  return responses.filter((entry): entry is DynsecResponse => typeof entry === 'object' && entry !== null && typeof (entry as { command?: unknown }).command === 'string');
}

/**
 * Errors that mean "already as wanted": creating what exists (Mosquitto 2.0's own messages; adding
 * a role a client already holds answers only "Internal error", so callers read the client first).
 */
export const isAlreadyDone = (response: DynsecResponse): boolean => response.error === 'Role already exists' || response.error === 'Client already exists';

/** Errors that mean "already gone": deleting what does not exist. */
export const isAlreadyGone = (response: DynsecResponse): boolean => response.error === 'Client not found' || response.error === 'Role not found';
