/**
 * The broker ACL of PROTOCOL.md as pure decisions. The broker adapter turns a refusal into an
 * error, which makes aedes drop the connection (THREATS 20: refuse and disconnect).
 */
import { DEVICE_PUBLISH_KINDS, TRUST_TOPIC, desiredTopic, isValidDeviceId, parseDeviceTopic } from '@edgefleet/protocol';

export type AccessDecision = { allow: true } | { allow: false; reason: string };

const allow: AccessDecision = { allow: true };
const deny = (reason: string): AccessDecision => ({ allow: false, reason });

/** A device may publish only to its own state/stats/events/online topics, never retained. */
export function devicePublishDecision(deviceId: string, topic: string, retain: boolean): AccessDecision {
  if (!isValidDeviceId(deviceId)) return deny('client id is not a device id');
  if (retain) return deny(`retained publish to ${topic} refused`);
  const parsed = parseDeviceTopic(topic);
  if (!parsed) return deny(`topic ${topic} is not a device topic`);
  if (parsed.deviceId !== deviceId) return deny(`device ${deviceId} may not publish to device ${parsed.deviceId}'s topics`);
  if (!DEVICE_PUBLISH_KINDS.includes(parsed.kind)) return deny(`devices may not publish to ${parsed.kind}`);
  return allow;
}

/**
 * A device may subscribe only to its own desired topic and the trust topic. Exact matches only,
 * so wildcards and `$SYS/` can never get through.
 */
export function deviceSubscribeDecision(deviceId: string, topicFilter: string): AccessDecision {
  if (!isValidDeviceId(deviceId)) return deny('client id is not a device id');
  if (topicFilter === TRUST_TOPIC || topicFilter === desiredTopic(deviceId)) return allow;
  return deny(`device ${deviceId} may not subscribe to ${topicFilter}`);
}

/** A will must be the device's own online message, not retained (it is published on its behalf). */
export function deviceWillDecision(deviceId: string, will: { topic: string; retain: boolean }): AccessDecision {
  const parsed = parseDeviceTopic(will.topic);
  if (!parsed || parsed.kind !== 'online') return deny(`will topic ${will.topic} is not an online topic`);
  return devicePublishDecision(deviceId, will.topic, will.retain);
}
