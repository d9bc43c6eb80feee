/**
 * What the hub answers an external broker's HTTP authentication and authorization hooks (EMQX 5's
 * HTTP authenticator and authorizer; pure). The answers are EMQX's: `allow`, `deny`, or `ignore`
 * (not ours to decide: the broker asks its next source, e.g. its own user for the hub). The rules
 * are the embedded broker's (core/access-policy.ts): a device connects with client id = username
 * = its id and its secret, then publishes only on its own topics, never retained, and subscribes
 * only to its own desired topic and the trust topic.
 */
import { isValidDeviceId } from '@edgefleet/protocol';
import { devicePublishDecision, deviceSubscribeDecision } from './access-policy';

export type HookResult = 'allow' | 'deny' | 'ignore';

/** How the hub knows the username: not a device of ours, one in service, or one decommissioned. */
export type DeviceStanding = 'unknown' | 'in-service' | 'decommissioned';

/**
 * Before any secret is checked: 'check' means verify the password as the device's secret, and
 * allow only if it matches.
 */
export function authenticationStep(request: { clientid: string; username: string }, standing: DeviceStanding): HookResult | 'check' {
  if (standing === 'unknown') return 'ignore';
  if (standing === 'decommissioned') return 'deny';
  // A device's credentials are good for its own client id only: nobody takes another's session.
  return request.clientid === request.username ? 'check' : 'deny';
}

export function authorizationResult(request: { clientid: string; username: string; topic: string; action: string; retain: boolean }, standing: DeviceStanding): HookResult {
  if (standing === 'unknown') return 'ignore';
  if (standing === 'decommissioned' || request.clientid !== request.username || !isValidDeviceId(request.username)) return 'deny';
  if (request.action === 'publish') return devicePublishDecision(request.username, request.topic, request.retain).allow ? 'allow' : 'deny';
  if (request.action === 'subscribe') return deviceSubscribeDecision(request.username, request.topic).allow ? 'allow' : 'deny';
  return 'deny';
}
