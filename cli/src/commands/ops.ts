/** `edgefleet alerts | jobs | audit | enrolment-tokens`: the operator's views and tools. */
import { Option, type Command } from 'commander';
import { ok, type Hub } from '../api';
import { durationArg, intArg, keyValueArg, modelArg, ringArg, versionArg } from '../args';
import type { Ctx } from '../context';
import { failed, usageError } from '../errors';
import { isFullUuid, resolvePrefix, uuidRefArg } from '../refs';
import { issuedToken, tokensTable } from '../views/devices';
import { alertsTable, alertView, auditTable, jobRunView, jobsTable } from '../views/ops';

async function alertId(hub: Hub, ref: string): Promise<string> {
  if (isFullUuid(ref)) return ref;
  const { alerts } = await ok(hub, hub.client.GET('/api/v1/alerts', { params: { query: { limit: 1000 } } }));
  return resolvePrefix(ref, alerts.map((a) => a.id), 'alert');
}

async function tokenId(hub: Hub, ref: string): Promise<string> {
  if (isFullUuid(ref)) return ref;
  const { tokens } = await ok(hub, hub.client.GET('/api/v1/enrolment-tokens'));
  return resolvePrefix(ref, tokens.map((t) => t.id), 'enrolment token');
}

const jobNameArg = (value: string): string => {
  if (!/^[a-z-]{1,64}$/.test(value)) throw usageError(`${JSON.stringify(value)} is not a job name such as drift-evaluation`);
  return value;
};

export function registerOps(program: Command, ctx: Ctx): void {
  const alerts = program.command('alerts').description('drift alerts with their evidence');
  alerts
    .command('list')
    .description('drift alerts, newest first')
    .addOption(new Option('--status <status>', 'only open or resolved alerts').choices(['open', 'resolved']))
    .option('--model <model>', 'only this model', modelArg)
    .option('--version <version>', 'only this version', versionArg)
    .option('--limit <n>', 'at most n (1-1000, default 100)', intArg(1, 1000))
    .action(async (o: { status?: 'open' | 'resolved'; model?: string; version?: string; limit?: number }) => {
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.GET('/api/v1/alerts', { params: { query: { status: o.status, model: o.model, version: o.version, limit: o.limit } } }));
      ctx.out.result(reply, () => alertsTable(reply.alerts, ctx.out.width));
    });
  alerts
    .command('show')
    .description('one alert with its evidence per signal')
    .argument('<id>', 'alert id (or its first characters)', uuidRefArg)
    .action(async (ref: string) => {
      const hub = await ctx.hub();
      const id = await alertId(hub, ref);
      const alert = await ok(hub, hub.client.GET('/api/v1/alerts/{id}', { params: { path: { id } } }));
      ctx.out.result(alert, () => alertView(alert, ctx.out.width));
    });

  const jobs = program.command('jobs').description('scheduled jobs: drift evaluation, continuous training, webhook delivery');
  jobs
    .command('list')
    .description('jobs, their schedules and last runs')
    .action(async () => {
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.GET('/api/v1/jobs'));
      ctx.out.result(reply, () => jobsTable(reply.jobs, ctx.out.width));
    });
  jobs
    .command('run')
    .description('run a job now and show its result (exit 1 when the run failed)')
    .argument('<name>', 'job name, e.g. drift-evaluation', jobNameArg)
    .action(async (name: string) => {
      const hub = await ctx.hub();
      const run = await ok(hub, hub.client.POST('/api/v1/jobs/{name}/run', { params: { path: { name } } }));
      ctx.out.result(run, () => jobRunView(name, run, ctx.out.width));
      if (!run.ok) throw failed(`job ${name} failed: ${run.error ?? 'no error given'}`);
    });

  program
    .command('audit')
    .description('the audit trail, newest first')
    .option('--limit <n>', 'at most n entries (1-1000, default 100)', intArg(1, 1000))
    .option('--subject <subject>', 'only entries about this subject, e.g. device:dev-1')
    .option('--actor <actor>', 'only entries by this actor, e.g. admin')
    .option('--action <prefix>', 'only actions starting with this, e.g. rollout.')
    .option('--cursor <cursor>', "the page after the previous page's cursor")
    .action(async (o: { limit?: number; subject?: string; actor?: string; action?: string; cursor?: string }) => {
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.GET('/api/v1/audit', { params: { query: { limit: o.limit ?? 100, subject: o.subject, actor: o.actor, action: o.action, cursor: o.cursor } } }));
      const next = 'nextCursor' in reply && typeof reply.nextCursor === 'string' ? reply.nextCursor : null;
      ctx.out.result(reply, () => [...auditTable(reply.entries, ctx.out.width), ...(next ? ['', `More: --cursor ${next}`] : [])]);
    });

  const tokens = program.command('enrolment-tokens').description('tokens with which browsers enrol themselves into a ring');
  tokens
    .command('create')
    .description('issue a token for a ring; it is shown once, with the /web link that uses it')
    .requiredOption('--ring <ring>', 'the ring the devices join', ringArg)
    .option('--max <n>', 'how many browsers may enrol with it (default 1)', intArg(1, 100_000), 1)
    .option('--ttl <duration>', 'how long it stays usable: 60s to 30d (default 1d)', durationArg, 86_400)
    .option('--label <text>', 'what or whom it is for')
    .option('--tag <key=value>', 'a tag for the devices it enrols (repeatable)', keyValueArg)
    .action(async (o: { ring: string; max: number; ttl: number; label?: string; tag?: Record<string, string> }) => {
      const hub = await ctx.hub();
      const issued = await ok(hub, hub.client.POST('/api/v1/enrolment-tokens', { body: { ring: o.ring, maxEnrolments: o.max, ttlS: o.ttl, ...(o.label === undefined ? {} : { label: o.label }), ...(o.tag ? { tags: o.tag } : {}) } }));
      ctx.out.result(issued, () => issuedToken(issued, hub.session.url, ctx.out.width));
    });
  tokens
    .command('list')
    .description('tokens with their use and state (never the tokens themselves)')
    .action(async () => {
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.GET('/api/v1/enrolment-tokens'));
      ctx.out.result(reply, () => tokensTable(reply.tokens, ctx.out.width));
    });
  tokens
    .command('revoke')
    .description('revoke a token: it enrols nobody from now on; devices it enrolled stay')
    .argument('<id>', 'token id (or its first characters)', uuidRefArg)
    .action(async (ref: string) => {
      const hub = await ctx.hub();
      const id = await tokenId(hub, ref);
      const token = await ok(hub, hub.client.DELETE('/api/v1/enrolment-tokens/{id}', { params: { path: { id } } }));
      ctx.out.result(token, () => [`Enrolment token ${token.id} (ring ${token.ring}) is ${token.state}.`]);
    });
}
