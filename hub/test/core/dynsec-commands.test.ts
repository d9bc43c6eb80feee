/**
 * The dynamic-security commands the hub sends (pure): a device's role grants exactly what the
 * embedded broker's ACL allows it (checked against core/access-policy.ts on every device topic,
 * another device's topics and wildcards), its client pins the client id, and broker answers that
 * are not shaped like answers are dropped rather than trusted.
 */
import { describe, expect, it } from 'vitest';
import { DEVICE_TOPIC_KINDS, TRUST_TOPIC, deviceTopic } from '@edgefleet/protocol';
import { devicePublishDecision, deviceSubscribeDecision } from '../../src/core/access-policy';
import { createDeviceCommands, deleteDeviceCommands, deviceAcls, deviceRole, isAlreadyDone, isAlreadyGone, parseResponses, rotateSecretCommands } from '../../src/core/broker-provisioning/dynsec-commands';

describe('dynsec commands', () => {
  it("grant a device exactly the embedded broker's ACL", () => {
    const acls = deviceAcls('dev-1');
    const publishes = new Set(acls.filter((acl) => acl.acltype === 'publishClientSend').map((acl) => acl.topic));
    const subscribes = new Set(acls.filter((acl) => acl.acltype === 'subscribeLiteral').map((acl) => acl.topic));
    expect(acls.every((acl) => acl.allow)).toBe(true);
    const topics = [...DEVICE_TOPIC_KINDS.flatMap((kind) => [deviceTopic('dev-1', kind), deviceTopic('dev-2', kind)]), TRUST_TOPIC, 'ef/v1/d/+/state', '#'];
    for (const topic of topics) {
      expect(publishes.has(topic), `publish ${topic}`).toBe(devicePublishDecision('dev-1', topic, false).allow);
      expect(subscribes.has(topic), `subscribe ${topic}`).toBe(deviceSubscribeDecision('dev-1', topic).allow);
    }
  });

  it('create a role named after the device and a client with its id pinned; rotation and removal name it too', () => {
    const [role, client] = createDeviceCommands('dev-1', 's3cret');
    expect(role).toMatchObject({ command: 'createRole', rolename: deviceRole('dev-1') });
    expect(client).toMatchObject({ command: 'createClient', username: 'dev-1', clientid: 'dev-1', password: 's3cret', roles: [{ rolename: 'edgefleet-device-dev-1' }] });
    expect(rotateSecretCommands('dev-1', 'n3w')).toEqual([{ command: 'setClientPassword', username: 'dev-1', password: 'n3w' }]);
    expect(deleteDeviceCommands('dev-1')).toEqual([
      { command: 'deleteClient', username: 'dev-1' },
      { command: 'deleteRole', rolename: 'edgefleet-device-dev-1' },
    ]);
  });

  it('read answers defensively', () => {
    expect(parseResponses('{"responses":[{"command":"createClient","error":"Client already exists","correlationData":"c1"},{"nope":1},3]}')).toEqual([
      { command: 'createClient', error: 'Client already exists', correlationData: 'c1' },
    ]);
    for (const junk of ['', 'not json', '{"responses":{}}', 'null', '[]']) expect(parseResponses(junk)).toEqual([]);
    expect(isAlreadyDone({ command: 'createRole', error: 'Role already exists' })).toBe(true);
    expect(isAlreadyDone({ command: 'createRole', error: 'Internal error' })).toBe(false);
    expect(isAlreadyGone({ command: 'deleteClient', error: 'Client not found' })).toBe(true);
  });
});
