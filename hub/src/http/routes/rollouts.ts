/** Admin routes for rings and rollouts (ROLLOUTS.md, CONTRACT "POST /api/v1/rollouts"). */
import type { Hono } from 'hono';
import { z } from 'zod';
import { modelNameSchema, versionLabelSchema } from '@edgefleet/protocol';
import { writeAudit } from '../../adapters/db/audit';
import { listRings, upsertRing } from '../../adapters/db/rollouts';
import { listDevices } from '../../adapters/db/devices';
import { ROLLOUT_ACTIONS } from '../../core/rollouts/actions';
import { GATE_METRICS, rolloutPlanSchema } from '../../core/rollouts/plan';
import type { HubContext } from '../../services/context';
import { checkRollout, createRollout, defaultRolloutPlan, listRolloutViews, rolloutAction, rolloutView } from '../../services/rollouts/rollouts';
import { requireUsableVersion } from '../../services/lifecycle/versions';
import { actorOf, type AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { ringSchema } from '../schemas';
import { parseInput, readJsonBody } from '../validate';

const createBody = z.strictObject({
  model: modelNameSchema,
  version: versionLabelSchema,
  plan: z.unknown().optional().describe('steps (ring, bake, gate, approve) and autoRollback; default: the canary ring, then 10%, 50% and 100% of the fleet with bake and gates between'),
  supersede: z.boolean().default(false).describe("replace the model's active rollout (audited)"),
});
const rolloutParams = z.object({ id: z.uuid() });
const actionParams = z.object({ id: z.uuid(), action: z.enum(ROLLOUT_ACTIONS) });
const actionBody = z.strictObject({
  reason: z.string().max(500).optional().describe('kept in the audit log'),
  revert: z.boolean().optional().describe('abort only: send every touched device back to its previous version'),
});
const ringParams = z.object({ name: ringSchema });
const ringBody = z.strictObject({ position: z.number().int().min(0).max(1000), description: z.string().max(500).default('') });

const ringsSchema = z.object({
  rings: z.array(
    z.object({
      name: z.string(),
      position: z.number().int().nullable().describe('null: a ring devices name that has no definition (it comes last)'),
      description: z.string(),
      devices: z.number().int(),
      defined: z.boolean(),
    }),
  ),
});

const warningsSchema = z
  .array(z.object({ step: z.number().int(), path: z.string().describe('the step, as validation errors name fields'), message: z.string() }))
  .describe('ring steps that take no device (an empty ring, tags nobody has, a percentage that selects nobody, devices on other models): accepted, but said');

const outcomeSchema = z.enum(['pass', 'fail', 'inconclusive']);
const gateReportSchema = z.object({
  verdict: outcomeSchema,
  metrics: z.array(
    z.object({
      metric: z.enum(GATE_METRICS),
      outcome: outcomeSchema,
      value: z.number().nullable(),
      control: z.number().nullable().describe('the same metric on the control group (devices still on the old version, same window)'),
      samples: z.number().nullable().optional().describe('what the value rests on: requests, rows, comparisons or devices (reports before these fields lack them)'),
      controlSamples: z.number().nullable().optional(),
      minSamples: z.number().nullable().optional().describe('below this many samples the metric is inconclusive'),
      evidence: z.string(),
    }),
  ),
  failed: z.array(z.string()),
  inconclusive: z.array(z.string()),
});
const stepGateSchema = z.object({
  report: gateReportSchema,
  outcome: z.enum(['passed', 'advanced', 'halted']).nullable().describe('how the step ended on this report; null while it is still evaluated'),
  at: z.string(),
});

const rolloutSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    version: z.string(),
    state: z.enum(['running', 'paused', 'completed', 'halted', 'rolled-back', 'aborted', 'superseded']),
    step: z.number().int().describe('index of the current step; steps.length once completed'),
    stepStartedAt: z.string(),
    halt: z.object({ reason: z.string(), at: z.string(), evidence: z.unknown().optional() }).nullable(),
    reverted: z.boolean(),
    plan: rolloutPlanSchema,
    steps: z.array(
      z.object({
        index: z.number(),
        kind: z.string(),
        state: z.string(),
        devices: z.record(z.string(), z.number()).optional(),
        warning: z.string().optional().describe('a ring step that takes (or took) no device: why'),
        gate: stepGateSchema.optional().describe('gate steps, in GET /api/v1/rollouts/{id} and action replies: the report the step was (or is being) decided on'),
      }),
    ),
    devices: z.record(z.string(), z.number()).describe('devices by status: pending, offline, downloading, serving, failed, timed-out, reverting, reverted, detached, kept'),
    members: z.array(
      z.object({
        device: z.string(),
        step: z.number(),
        mode: z.enum(['active', 'shadow']).describe('shadow: the new version runs beside the old one'),
        trafficShare: z.number().nullable().describe('ramp-up: the share of requests the new version answers on the device (a traffic step); null otherwise'),
        status: z.string(),
        previous: z.string().nullable(),
        error: z.string().nullable(),
      }),
    ),
    gate: gateReportSchema.nullable().describe('the latest gate report'),
    warnings: warningsSchema.describe('ring steps that take no device: steps still to come as the fleet is now (running, paused, halted rollouts), steps passed as recorded (rollout.step.empty in the audit trail; one-rollout view and the create reply)'),
    supersedes: z.string().nullable(),
    supersededBy: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .passthrough();

const checkSchema = z.object({
  ok: z.literal(true),
  plan: rolloutPlanSchema.describe('the plan as a create would store it, defaults filled in'),
  active: z.array(z.object({ id: z.string(), version: z.string(), state: z.string() })).describe('the model\'s active rollouts: a create is refused (409) while there are any, unless it supersedes them'),
  warnings: warningsSchema,
});
const defaultPlanSchema = z.object({ canary: z.string().describe('the first ring'), rings: z.array(z.string()), plan: rolloutPlanSchema });

export const rolloutSpecs: RouteSpec[] = [
  { method: 'get', path: '/api/v1/rings', summary: 'Rings in order, with their device counts', auth: 'admin', scope: 'read', responses: { 200: { description: 'rings', schema: ringsSchema } } },
  { method: 'put', path: '/api/v1/rings/{name}', summary: 'Create or reorder a ring (position 0 is the canary)', auth: 'admin', scope: 'operator', params: ringParams, body: ringBody, responses: { 200: { description: 'the ring' } } },
  { method: 'post', path: '/api/v1/rollouts', summary: 'Start a staged rollout of a model version', auth: 'admin', scope: 'operator', body: createBody, responses: { 201: { description: 'the rollout', schema: rolloutSchema } } },
  {
    method: 'post',
    path: '/api/v1/rollouts/validate',
    summary: "Check a rollout as POST /api/v1/rollouts would (version, plan) without creating it: 200, or the create's own error naming the field",
    auth: 'admin',
    scope: 'operator',
    body: createBody,
    responses: { 200: { description: 'the plan is sound', schema: checkSchema } },
  },
  { method: 'get', path: '/api/v1/rollouts/default-plan', summary: 'The plan a rollout without one gets, over the rings as they are now', auth: 'admin', scope: 'read', responses: { 200: { description: 'the default plan', schema: defaultPlanSchema } } },
  { method: 'get', path: '/api/v1/rollouts', summary: 'Rollouts, newest first', auth: 'admin', scope: 'read', responses: { 200: { description: 'rollouts', schema: z.object({ rollouts: z.array(rolloutSchema) }) } } },
  { method: 'get', path: '/api/v1/rollouts/{id}', summary: 'One rollout: state, current step, per-step device counts, members, latest gate report', auth: 'admin', scope: 'read', params: rolloutParams, responses: { 200: { description: 'the rollout', schema: rolloutSchema } } },
  {
    method: 'post',
    path: '/api/v1/rollouts/{id}/{action}',
    summary: 'pause | resume | advance (skip the current wait or approve) | abort (keep, or revert with "revert": true) | rollback (revert every touched device now)',
    auth: 'admin',
    scope: 'operator',
    params: actionParams,
    body: actionBody,
    responses: { 200: { description: 'the rollout after the action', schema: rolloutSchema } },
  },
];

export function registerRollouts(app: Hono<AppEnv>, ctx: HubContext): void {
  app.get('/api/v1/rings', async (c) => {
    const counts = new Map<string, number>();
    for (const d of await listDevices(ctx.db)) counts.set(d.ring, (counts.get(d.ring) ?? 0) + 1);
    const defined = (await listRings(ctx.db)).map((r) => ({ name: r.name, position: r.position, description: r.description, devices: counts.get(r.name) ?? 0, defined: true }));
    // Rings devices name without a definition come last, in name order.
    const implicit = [...counts.keys()].filter((name) => !defined.some((r) => r.name === name)).sort().map((name) => ({ name, position: null, description: '', devices: counts.get(name) ?? 0, defined: false }));
    return c.json({ rings: [...defined, ...implicit] });
  });
  app.put('/api/v1/rings/:name', async (c) => {
    const { name } = parseInput(ringParams, c.req.param());
    const body = parseInput(ringBody, await readJsonBody(c));
    const now = ctx.now();
    await ctx.db.transaction(async (tx) => {
      await upsertRing(tx, { name, position: body.position, description: body.description, createdAt: now.toISOString() });
      await writeAudit(tx, { at: now, actor: actorOf(c.get('principal')), action: 'ring.updated', subject: `ring:${name}`, details: body });
    });
    return c.json({ name, ...body });
  });
  app.post('/api/v1/rollouts', async (c) => {
    const body = parseInput(createBody, await readJsonBody(c));
    // Rolling out is new use: 404 once deleted, 409 E_ARCHIVED while archived (services/lifecycle/versions.ts).
    await requireUsableVersion(ctx, body.model, body.version);
    const view = await createRollout(ctx, { model: body.model, version: body.version, supersede: body.supersede, ...(body.plan !== undefined ? { plan: body.plan } : {}) }, actorOf(c.get('principal')));
    return c.json(view, 201);
  });
  app.post('/api/v1/rollouts/validate', async (c) => {
    const body = parseInput(createBody, await readJsonBody(c));
    await requireUsableVersion(ctx, body.model, body.version);
    const check = await checkRollout(ctx, { model: body.model, version: body.version, ...(body.plan !== undefined ? { plan: body.plan } : {}) });
    return c.json({ ok: true as const, ...check });
  });
  // Before /rollouts/:id, which would take "default-plan" for an id.
  app.get('/api/v1/rollouts/default-plan', async (c) => c.json(await defaultRolloutPlan(ctx)));
  app.get('/api/v1/rollouts', async (c) => c.json({ rollouts: await listRolloutViews(ctx) }));
  app.get('/api/v1/rollouts/:id', async (c) => c.json(await rolloutView(ctx, parseInput(rolloutParams, c.req.param()).id)));
  app.post('/api/v1/rollouts/:id/:action', async (c) => {
    const { id, action } = parseInput(actionParams, c.req.param());
    const raw = c.req.header('content-length') === '0' || !c.req.header('content-type') ? {} : await readJsonBody(c);
    const body = parseInput(actionBody, raw);
    if (body.revert !== undefined && action !== 'abort') return c.json({ error: { code: 'E_VALIDATION', message: 'revert: only abort takes revert', details: [{ path: 'revert', message: 'only abort takes revert' }] } }, 400);
    return c.json(await rolloutAction(ctx, id, action, body, actorOf(c.get('principal'))));
  });
}
