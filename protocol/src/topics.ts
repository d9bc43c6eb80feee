/** MQTT topics of protocol v1. Build them here, never by string concatenation at call sites. */

export const TOPIC_ROOT = 'ef/v1';
export const TRUST_TOPIC = `${TOPIC_ROOT}/trust`;

/** PROTOCOL: ids match this pattern, so `+`, `#`, `/` and NUL can never reach a topic. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const DEVICE_TOPIC_KINDS = ['desired', 'state', 'stats', 'events', 'online'] as const;
export type DeviceTopicKind = (typeof DEVICE_TOPIC_KINDS)[number];

/** Topics a device may publish to (its own, never retained). */
export const DEVICE_PUBLISH_KINDS: readonly DeviceTopicKind[] = ['state', 'stats', 'events', 'online'];

export function isValidDeviceId(id: string): boolean {
  return DEVICE_ID_PATTERN.test(id);
}

export function deviceTopic(deviceId: string, kind: DeviceTopicKind): string {
  if (!isValidDeviceId(deviceId)) throw new Error(`invalid device id for a topic: ${JSON.stringify(deviceId)}`);
  return `${TOPIC_ROOT}/d/${deviceId}/${kind}`;
}

export const desiredTopic = (deviceId: string): string => deviceTopic(deviceId, 'desired');
export const stateTopic = (deviceId: string): string => deviceTopic(deviceId, 'state');
export const statsTopic = (deviceId: string): string => deviceTopic(deviceId, 'stats');
export const eventsTopic = (deviceId: string): string => deviceTopic(deviceId, 'events');
export const onlineTopic = (deviceId: string): string => deviceTopic(deviceId, 'online');

/** Wildcard subscription the hub uses to receive one kind of message from every device. */
export const allDevicesTopic = (kind: DeviceTopicKind): string => `${TOPIC_ROOT}/d/+/${kind}`;

export interface ParsedDeviceTopic {
  deviceId: string;
  kind: DeviceTopicKind;
}

/** Inverse of `deviceTopic`; null for anything that is not exactly a device topic. */
export function parseDeviceTopic(topic: string): ParsedDeviceTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT || parts[2] !== 'd') return null;
  const deviceId = parts[3] ?? '';
  const kind = parts[4] as DeviceTopicKind;
  if (!isValidDeviceId(deviceId) || !DEVICE_TOPIC_KINDS.includes(kind)) return null;
  return { deviceId, kind };
}
