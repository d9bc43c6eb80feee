/**
 * What an admin token may do (issue 16). Three scopes, each including the one before:
 *
 * - `read`: every read of the admin API (GET), and signing in and out of the console with it;
 * - `operator`: the fleet's day-to-day work: rollouts and their controls, rings, assignments and
 *   shadow, device placement (ring and tags), alert acknowledgements and feedback, running a job
 *   now, and the ML workflow (models, sample inputs, datasets, training, quantization, archiving
 *   and deleting them);
 * - `admin`: everything, including what changes who may act: enrolling devices, their secrets,
 *   decommissioning, browser enrolment tokens, admin tokens, trust and keys. Listing the admin
 *   tokens is admin too: who holds access, and since when, is a map for whoever stole a read token.
 *
 * Every route states the scope it needs in its RouteSpec (http/openapi.ts); the middleware takes
 * it from the route the request matched (http/auth.ts).
 */
export const SCOPES = ['read', 'operator', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const RANK: Record<Scope, number> = { read: 0, operator: 1, admin: 2 };

/** Whether a token of scope `held` may use a route that needs `needed`. */
export const allows = (held: Scope, needed: Scope): boolean => RANK[held] >= RANK[needed];

/** For refusals and the docs: what each scope lets a token do. */
export const SCOPE_SUMMARY: Record<Scope, string> = {
  read: 'reads (GET) of the admin API',
  operator: 'reads, rollouts, rings, assignments, placement, alerts, feedback, jobs, models, datasets, training and quantization',
  admin: 'everything, including devices (enrol, secret, decommission), enrolment tokens, admin tokens and trust',
};
