/** Admin routes for rings and rollouts (ROLLOUTS.md, CONTRACT "POST /api/v1/rollouts"). */
import type { Hono } from 'hono';
import { z } from 'zod';
import { modelNameSchema, versionLabelSchema } from '@edgefleet/protocol';
import { writeAudit } from '../../adapters/db/audit';
import { listRings, upsertRing } from '../../adapters/db/rollouts';
import { listDevices } from '../../adapters/db/devices';
import { ROLLOUT_ACTIONS } from '../../core/rollouts/actions';
import type { HubContext } from '../../services/context';
import { createRollout, listRolloutViews, rolloutAction, rolloutView } from '../../services/rollouts/rollouts';
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

const rolloutSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    version: z.string(),
    state: z.enum(['running', 'paused', 'completed', 'halted', 'rolled-back', 'aborted', 'superseded']),
    step: z.number().int(),
    steps: z.array(z.object({ index: z.number(), kind: z.string(), state: z.string(), devices: z.record(z.string(), z.number()).optional() })),
    devices: z.record(z.string(), z.number()).describe('devices by status: pending, offline, downloading, serving, failed, timed-out, reverting, reverted, detached, kept'),
  })
  .passthrough();

export const rolloutSpecs: RouteSpec[] = [
  { method: 'get', path: '/api/v1/rings', summary: 'Rings in order, with their device counts', auth: 'admin', responses: { 200: { description: 'rings' } } },
  { method: 'put', path: '/api/v1/rings/{name}', summary: 'Create or reorder a ring (position 0 is the canary)', auth: 'admin', params: ringParams, body: ringBody, responses: { 200: { description: 'the ring' } } },
  { method: 'post', path: '/api/v1/rollouts', summary: 'Start a staged rollout of a model version', auth: 'admin', body: createBody, responses: { 201: { description: 'the rollout', schema: rolloutSchema } } },
  { method: 'get', path: '/api/v1/rollouts', summary: 'Rollouts, newest first', auth: 'admin', responses: { 200: { description: 'rollouts', schema: z.object({ rollouts: z.array(rolloutSchema) }) } } },
  { method: 'get', path: '/api/v1/rollouts/{id}', summary: 'One rollout: state, current step, per-step device counts, members, latest gate report', auth: 'admin', params: rolloutParams, responses: { 200: { description: 'the rollout', schema: rolloutSchema } } },
  {
    method: 'post',
    path: '/api/v1/rollouts/{id}/{action}',
    summary: 'pause | resume | advance (skip the current wait or approve) | abort (keep, or revert with "revert": true) | rollback (revert every touched device now)',
    auth: 'admin',
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
    const view = await createRollout(ctx, { model: body.model, version: body.version, supersede: body.supersede, ...(body.plan !== undefined ? { plan: body.plan } : {}) }, actorOf(c.get('principal')));
    return c.json(view, 201);
  });
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
