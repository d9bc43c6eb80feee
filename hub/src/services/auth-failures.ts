/**
 * Failed device logins, logged (issue 15): a device with a wrong secret otherwise looks like a
 * network problem from both ends. One warning per device id per minute, whatever the transport
 * (HTTP device routes, MQTT CONNECT on the embedded broker, an external broker's auth hook), with
 * the source address and the reason, and how many lines were held back since (core/log-limiter).
 * Never the secret. The reason is looked up only for a line that is written: a flood of failures
 * costs the database nothing here.
 *
 * The limiter is one per hub, kept beside its credential verifier (what every transport shares).
 */
import { deviceDecommissionedAt } from '../adapters/db/devices';
import { DEFAULT_LOG_LIMITS, KeyedLogLimiter, type LogLimits } from '../core/log-limiter';
import type { HubContext } from './context';

export type AuthTransport = 'http' | 'mqtt' | 'broker-hook';

export interface AuthFailure {
  transport: AuthTransport;
  /** what the client claimed (cut to 64 characters: it may be anything) */
  deviceId: string;
  /** the remote address */
  source: string;
  /** known without a lookup: the credentials' shape was wrong, or the broker hook knows the standing */
  reason?: AuthFailureReason;
}

export type AuthFailureReason = 'unknown device' | 'wrong secret' | 'decommissioned' | 'malformed credentials';

/** Why each reason happens, and what to do: the line an operator reads. */
const ADVICE: Record<AuthFailureReason, string> = {
  'unknown device': 'no device has this id: enrol it (POST /api/v1/devices) or fix the id in its config',
  'wrong secret': 'the secret does not match: give the device its current secret (rotated with POST /api/v1/devices/{id}/secret)',
  decommissioned: 'the device was decommissioned: it can no longer sign in; enrol a new id for it',
  'malformed credentials': 'MQTT username must equal the client id (a valid device id) and carry the secret as password; HTTP needs Basic <device id>:<secret>',
};

type Deps = Pick<HubContext, 'db' | 'logger' | 'credentials' | 'now'>;

const limiters = new WeakMap<object, KeyedLogLimiter>();

function limiterOf(deps: Deps, limits: LogLimits): KeyedLogLimiter {
  let limiter = limiters.get(deps.credentials);
  if (!limiter) limiters.set(deps.credentials, (limiter = new KeyedLogLimiter(limits)));
  return limiter;
}

async function reasonOf(deps: Pick<HubContext, 'db'>, deviceId: string): Promise<AuthFailureReason> {
  const row = await deviceDecommissionedAt(deps.db, deviceId);
  if (!row) return 'unknown device';
  return row.decommissionedAt === null ? 'wrong secret' : 'decommissioned';
}

/**
 * Records a failed device login; writes the warning when the limits let it through. Never throws
 * and never delays the refusal (the reason lookup runs after the caller answered).
 */
export function recordAuthFailure(deps: Deps, failure: AuthFailure, limits: LogLimits = DEFAULT_LOG_LIMITS): void {
  const deviceId = failure.deviceId.slice(0, 64);
  const decision = limiterOf(deps, limits).admit(deviceId, deps.now().getTime());
  if (!decision.log) return;
  const write = (reason: AuthFailureReason): void =>
    deps.logger.warn(`device auth failed: ${reason}`, {
      deviceId,
      source: failure.source,
      transport: failure.transport,
      reason,
      advice: ADVICE[reason],
      ...(decision.suppressed > 0 ? { suppressed: decision.suppressed } : {}),
      ...(decision.suppressedElsewhere > 0 ? { suppressedOtherDevices: decision.suppressedElsewhere } : {}),
    });
  if (failure.reason) return write(failure.reason);
  reasonOf(deps, deviceId).then(write, (error: unknown) => {
    deps.logger.warn('device auth failed (reason unknown: the device lookup failed)', { deviceId, source: failure.source, transport: failure.transport, error: error instanceof Error ? error.message : String(error) });
  });
}

/** Lines held back so far (tests, counters). */
export function authFailureLogStats(deps: Pick<HubContext, 'credentials'>): { suppressed: number; tracked: number } {
  return limiters.get(deps.credentials)?.stats() ?? { suppressed: 0, tracked: 0 };
}
