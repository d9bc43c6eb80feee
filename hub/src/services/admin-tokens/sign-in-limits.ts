/**
 * Failed admin sign-ins (issue 16 item 5): wrong bearer tokens, console sign-ins with a wrong
 * token or link, and unknown session cookies are counted per source address, one admission per
 * hub process (each replica counts its own, as for device logins). The pure rules are in
 * core/sign-in-admission.ts.
 */
import { SignInAdmission, type SignInLimits } from '../../core/sign-in-admission';
import type { HubContext } from '../context';

/**
 * 20 failures at once, then one every 2 s per address (a /64 for IPv6): an operator mistyping a
 * token, or a console whose session ended, never notices; a script stuck on a revoked token is
 * slowed to a trickle; a guesser gets 43,200 tries a day at most, against 256 random bits (or
 * the operator's bootstrap token). Successes are never limited.
 */
export const ADMIN_SIGN_IN_LIMITS: SignInLimits = {
  perSource: { capacity: 20, perSecond: 0.5 },
  maxTracked: 10_000,
  // Right tokens beyond the budget wait rather than fail: room for a busy proxy's worth of them.
  maxWaitingPerSource: 256,
  maxWaiting: 4_096,
};

const admissions = new WeakMap<object, SignInAdmission>();

/** This hub's admission for admin sign-ins, kept beside its credential verifier (one per hub). */
export function adminSignInAdmission(ctx: Pick<HubContext, 'credentials'>, limits: SignInLimits = ADMIN_SIGN_IN_LIMITS): SignInAdmission {
  let admission = admissions.get(ctx.credentials);
  if (!admission) admissions.set(ctx.credentials, (admission = new SignInAdmission(limits)));
  return admission;
}
