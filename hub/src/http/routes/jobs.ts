/** Admin routes for the scheduled jobs: what runs when, how the last run went, and run one now. */
import type { Hono } from 'hono';
import { z } from 'zod';
import { notFound } from '../../core/errors';
import type { HubContext } from '../../services/context';
import type { AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { parseInput } from '../validate';

const jobParams = z.object({ name: z.string().regex(/^[a-z-]{1,64}$/, 'must be a job name such as drift-evaluation') });
const runSchema = z.object({
  startedAt: z.string(),
  durationMs: z.number(),
  ok: z.boolean(),
  reason: z.enum(['scheduled', 'manual']),
  skipped: z.boolean().optional().describe('true when another hub replica holds the scheduled-jobs lease: the job runs there, not here'),
  result: z.unknown().optional().describe("the job's own summary, e.g. each version's drift verdict and alert"),
  error: z.string().optional(),
});
const jobSchema = z.object({
  name: z.string(),
  description: z.string(),
  schedule: z.string().describe('cron expression'),
  running: z.boolean(),
  nextRunAt: z.string().nullable(),
  lastRun: runSchema.nullable(),
  counts: z.object({ ran: z.number().int(), skipped: z.number().int(), failed: z.number().int() }).describe('runs since this replica started: done here, skipped (another replica holds the lease), failed'),
});

export const jobSpecs: RouteSpec[] = [
  { method: 'get', path: '/api/v1/jobs', summary: 'The scheduled jobs, their schedules and last runs', auth: 'admin', scope: 'read', responses: { 200: { description: 'jobs', schema: z.object({ jobs: z.array(jobSchema) }) } } },
  {
    method: 'post',
    path: '/api/v1/jobs/{name}/run',
    summary: 'Runs a job now (after a run in progress) and returns its result; jobs: drift-evaluation, continuous-training, webhook-delivery, refresh-deployment-docs',
    auth: 'admin',
    scope: 'operator',
    params: jobParams,
    responses: { 200: { description: 'the run (ok false with the error when it failed)', schema: runSchema } },
  },
];

export function registerJobs(app: Hono<AppEnv>, ctx: HubContext): void {
  app.get('/api/v1/jobs', (c) => c.json({ jobs: ctx.jobs.list() }));
  app.post('/api/v1/jobs/:name/run', async (c) => {
    const { name } = parseInput(jobParams, c.req.param());
    if (!ctx.jobs.has(name)) throw notFound(`job ${name} (jobs: ${ctx.jobs.list().map((j) => j.name).join(', ')})`);
    return c.json(await ctx.jobs.runNow(name));
  });
}
