/** Admin routes for training runs: start one, follow it (status, progress, metrics, trials, logs), cancel it. */
import type { Hono } from 'hono';
import { z } from 'zod';
import { cancelRun, createRun, listRunSummaries, runDetail, runLogs } from '../../services/training/training-runs';
import { trainingRequestSchema } from '../../services/training/training-request';
import { RUN_STATUSES, TRAINING_STAGES } from '../../services/training/training-types';
import type { HubContext } from '../../services/context';
import { actorOf, type AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { parseInput, readJsonBody } from '../validate';

const idParams = z.object({ id: z.uuid() });
const logsQuery = z.object({ after: z.coerce.number().int().min(0).default(0).describe('only lines after this seq') });
const metricsSchema = z.record(z.string(), z.number());
const runSummary = z.object({
  id: z.string(),
  status: z.enum(RUN_STATUSES),
  stage: z.enum(TRAINING_STAGES),
  progress: z.number().min(0).max(1),
  dataset: z.object({ id: z.string(), name: z.string().nullable() }),
  task: z.string(),
  target: z.string(),
  trainer: z.string(),
  model: z.string(),
  metric: z.object({ name: z.string(), value: z.number().nullable(), baseline: z.number().nullable(), beatsBaseline: z.boolean().nullable() }),
  resultVersion: z.object({ model: z.string(), version: z.string() }).nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
});
const runDetailSchema = runSummary.extend({
  request: z.record(z.string(), z.unknown()).describe('the request with defaults resolved: seed, split, features, trainer, metric'),
  params: z.record(z.string(), z.unknown()).nullable(),
  metrics: metricsSchema.nullable().describe('on the test split'),
  baselineMetrics: metricsSchema.nullable().describe('the baseline on the same test split'),
  epochs: z.array(z.object({ trial: z.number().optional(), epoch: z.number(), loss: z.number(), valLoss: z.number().optional(), valMetric: z.number().optional() })),
  trials: z.array(z.object({ index: z.number(), params: z.record(z.string(), z.unknown()), metrics: metricsSchema, replica: z.string().optional().describe('the hub replica whose worker ran the trial') })),
  codeVersion: z.string(),
});
const logLine = z.object({ seq: z.number().int(), at: z.string(), level: z.string(), message: z.string() });

export const trainingRunSpecs: RouteSpec[] = [
  {
    method: 'post',
    path: '/api/v1/training-runs',
    summary: "Start a training run (queued; a replica's worker thread claims it, and each trial of a search separately)",
    auth: 'admin',
    scope: 'operator',
    body: trainingRequestSchema,
    responses: { 202: { description: 'queued', schema: z.object({ id: z.string() }) } },
  },
  { method: 'get', path: '/api/v1/training-runs', summary: 'List training runs, newest first', auth: 'admin', scope: 'read', responses: { 200: { description: 'runs', schema: z.object({ runs: z.array(runSummary) }) } } },
  {
    method: 'get',
    path: '/api/v1/training-runs/{id}',
    summary: 'One run: status, progress, stage, params, trials, epochs, test metrics beside the baseline, resulting version',
    auth: 'admin',
    scope: 'read',
    params: idParams,
    responses: { 200: { description: 'the run', schema: runDetailSchema } },
  },
  {
    method: 'get',
    path: '/api/v1/training-runs/{id}/logs',
    summary: "A run's log lines",
    auth: 'admin',
    scope: 'read',
    params: idParams,
    query: logsQuery,
    responses: { 200: { description: 'log lines, oldest first', schema: z.object({ logs: z.array(logLine) }) } },
  },
  {
    method: 'post',
    path: '/api/v1/training-runs/{id}/cancel',
    summary: 'Cancel a queued or running run (its worker is stopped); 409 once it has finished',
    auth: 'admin',
    scope: 'operator',
    params: idParams,
    responses: { 200: { description: 'the cancelled run', schema: runDetailSchema } },
  },
];

export function registerTrainingRuns(app: Hono<AppEnv>, ctx: HubContext): void {
  app.post('/api/v1/training-runs', async (c) => {
    const request = parseInput(trainingRequestSchema, await readJsonBody(c));
    return c.json(await createRun(ctx, request, actorOf(c.get('principal'))), 202);
  });
  app.get('/api/v1/training-runs', async (c) => c.json({ runs: await listRunSummaries(ctx) }));
  app.get('/api/v1/training-runs/:id', async (c) => c.json(await runDetail(ctx, parseInput(idParams, c.req.param()).id)));
  app.get('/api/v1/training-runs/:id/logs', async (c) => {
    const { id } = parseInput(idParams, c.req.param());
    const { after } = parseInput(logsQuery, c.req.query());
    return c.json({ logs: (await runLogs(ctx, id, after)).map(({ seq, at, level, message }) => ({ seq, at, level, message })) });
  });
  app.post('/api/v1/training-runs/:id/cancel', async (c) => c.json(await cancelRun(ctx, parseInput(idParams, c.req.param()).id, actorOf(c.get('principal')))));
}
