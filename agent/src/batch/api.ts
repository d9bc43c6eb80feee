/**
 * The local API's batch routes on the runner: request bodies checked with zod (400 naming the
 * field), jobs shown as jobView gives them.
 */
import { describeIssues } from '@edgefleet/protocol';
import { z } from 'zod';
import { BATCH_FORMATS, isTerminal } from '../core/batch/job';
import type { BatchRunner } from './runner';

export interface BatchReply {
  status: 200 | 202 | 400 | 404 | 409;
  body: unknown;
}

export interface BatchApi {
  submit(body: unknown): Promise<BatchReply>;
  list(): BatchReply;
  get(id: string): BatchReply;
  cancel(id: string): Promise<BatchReply>;
}

const submitSchema = z.strictObject({
  input: z.string().min(1).max(4096),
  format: z.enum(BATCH_FORMATS).optional(),
  output: z.string().min(1).max(4096).optional(),
});

const error = (status: BatchReply['status'], code: string, message: string): BatchReply => ({ status, body: { error: { code, message } } });
const notFound = (id: string): BatchReply => error(404, 'E_NOT_FOUND', `no batch job ${JSON.stringify(id.slice(0, 80))} (GET /v1/batch-jobs lists them)`);

export function batchApi(runner: BatchRunner): BatchApi {
  return {
    async submit(body) {
      const parsed = submitSchema.safeParse(body);
      if (!parsed.success) return error(400, 'E_SCHEMA', describeIssues(parsed.error));
      const submitted = await runner.submit({ ...parsed.data, origin: 'api' });
      if (!submitted.ok) return error(400, submitted.field === 'format' ? 'E_SCHEMA' : 'E_BAD_PATH', `${submitted.field}: ${submitted.problem}`);
      return { status: 202, body: { job: runner.view(submitted.job) } };
    },
    list: () => ({ status: 200, body: { jobs: runner.list().map((job) => runner.view(job)) } }),
    get(id) {
      const job = runner.get(id);
      return job ? { status: 200, body: { job: runner.view(job) } } : notFound(id);
    },
    async cancel(id) {
      const before = runner.get(id);
      if (!before) return notFound(id);
      if (isTerminal(before)) return error(409, 'E_CONFLICT', `batch job ${id} already ${before.state}`);
      const job = await runner.cancel(id);
      return job ? { status: 200, body: { job: runner.view(job) } } : notFound(id);
    },
  };
}
