/** `edgefleet rollouts ...`: create from a plan file, watch to the end, and the operator's controls. */
import { Option, type Command } from 'commander';
import { ok, type Hub } from '../api';
import { modelArg, numberArg, versionArg } from '../args';
import type { Ctx } from '../context';
import { CliError, EXIT, failed, usageError } from '../errors';
import { readJsonFile } from '../files';
import { patientReads } from '../patience';
import { sleep } from '../progress';
import { isFullUuid, resolvePrefix, uuidRefArg } from '../refs';
import { wrap } from '../output';
import { isSettled, outcomeLine, planTable, rolloutsTable, rolloutView, waitingHint, warningsOf, watchLine } from '../views/rollouts';

const MAX_PLAN_BYTES = 64 * 1024;

async function rolloutId(hub: Hub, ref: string): Promise<string> {
  if (isFullUuid(ref)) return ref;
  const { rollouts } = await ok(hub, hub.client.GET('/api/v1/rollouts'));
  return resolvePrefix(ref, rollouts.map((r) => r.id), 'rollout');
}

/** A plan file holds the plan (`{ "steps": [...] }`), or a whole create body whose `plan` it is. */
async function planFrom(path: string): Promise<unknown> {
  const value = await readJsonFile(path, MAX_PLAN_BYTES, '--plan');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw usageError(`--plan: ${path} must hold a plan object {"steps": [...]}`);
  return 'plan' in value && !('steps' in value) ? value.plan : value;
}

interface CreateOptions {
  model: string;
  version: string;
  plan?: string;
  supersede?: boolean;
  dryRun?: boolean;
}

export function registerRollouts(program: Command, ctx: Ctx): void {
  const rollouts = program.command('rollouts').description('staged rollouts: create, watch, pause, resume, advance, abort, roll back');

  rollouts
    .command('create')
    .description("start a staged rollout of a version, with a plan file or the hub's default plan")
    .requiredOption('--model <model>', 'model name', modelArg)
    .requiredOption('--version <version>', 'version label', versionArg)
    .option('--plan <file.json>', 'the plan: {"steps": [{"kind": "ring", "ring": "canary"}, ...], "autoRollback": true}; step kinds ring, bake, gate, approve (docs/rollouts.md). Default: the hub\'s, which --dry-run --json shows')
    .option('--supersede', "replace the model's active rollout (audited)")
    .option('--dry-run', 'only check the version and plan, as create would; nothing starts')
    .action(async (o: CreateOptions) => {
      const plan = o.plan === undefined ? undefined : await planFrom(o.plan);
      const hub = await ctx.hub();
      if (o.dryRun) {
        const check = await ok(hub, hub.client.POST('/api/v1/rollouts/validate', { body: { model: o.model, version: o.version, ...(plan === undefined ? {} : { plan }) } }));
        ctx.out.result(check, () => [
          `The plan is sound: ${check.plan.steps.length} steps.`,
          ...planTable(check.plan.steps, ctx.out.width),
          ...(check.active.length > 0 ? wrap(`Active rollouts of ${o.model} (a create needs --supersede): ${check.active.map((a) => `${a.id} ${a.version} ${a.state}`).join(', ')}`, ctx.out.width) : []),
          ...warningsOf(check).flatMap((w) => wrap(`warning: ${w}`, ctx.out.width)),
        ]);
        return;
      }
      const created = await ok(hub, hub.client.POST('/api/v1/rollouts', { body: { model: o.model, version: o.version, ...(plan === undefined ? {} : { plan }), ...(o.supersede ? { supersede: true } : {}) } })).catch((error: unknown) => {
        // The hub speaks of its API's "supersede": true; here that is a flag.
        if (error instanceof CliError && error.exitCode === EXIT.conflict && /supersede/.test(error.message) && !o.supersede) throw new CliError(error.code, error.message, error.exitCode, [...error.lines, 'To replace the active rollout: edgefleet rollouts create ... --supersede']);
        throw error;
      });
      ctx.out.result(created, () => [...rolloutView(created, ctx.out.width), '', `Follow it with: edgefleet rollouts watch ${created.id}`]);
    });

  rollouts
    .command('list')
    .description('rollouts, newest first')
    .action(async () => {
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.GET('/api/v1/rollouts'));
      ctx.out.result(reply, () => rolloutsTable(reply.rollouts, ctx.out.width));
    });

  rollouts
    .command('show')
    .description('one rollout: state, each step with its devices, the latest gate report')
    .argument('<id>', 'rollout id (or its first characters)', uuidRefArg)
    .action(async (ref: string) => {
      const hub = await ctx.hub();
      const id = await rolloutId(hub, ref);
      const rollout = await ok(hub, hub.client.GET('/api/v1/rollouts/{id}', { params: { path: { id } } }));
      ctx.out.result(rollout, () => rolloutView(rollout, ctx.out.width));
    });

  rollouts
    .command('watch')
    .description('follow a rollout until it ends: exit 0 completed; 1 halted, rolled back, aborted or superseded (a hub that stops answering is waited for up to 2 minutes, then exit 6)')
    .argument('<id>', 'rollout id (or its first characters)', uuidRefArg)
    .addOption(new Option('--interval <seconds>', 'how often to poll (0.2-60)').argParser((v: string) => Math.round(numberArg(0.2, 60)(v) * 1000)).default(2000, '2'))
    .option('--until-approval', 'also stop (exit 0) when the rollout waits for a person: an approval step, or paused')
    .action(async (ref: string, o: { interval: number; untilApproval?: boolean }) => {
      const hub = await ctx.hub();
      const id = await rolloutId(hub, ref);
      const read = patientReads(ctx.out);
      let shown = '';
      let hinted = '';
      for (;;) {
        const rollout = await read(() => ok(hub, hub.client.GET('/api/v1/rollouts/{id}', { params: { path: { id } } })));
        const line = watchLine(rollout);
        if (line !== shown) {
          shown = line;
          ctx.out.line(line);
        }
        const hint = waitingHint(rollout);
        if (hint !== null && hint !== hinted && !o.untilApproval) ctx.out.note(hint);
        hinted = hint ?? '';
        if (o.untilApproval && hint !== null) {
          ctx.out.result(rollout, () => [`Rollout ${id} waits: ${hint}`]);
          return;
        }
        if (isSettled(rollout.state)) {
          ctx.out.result(rollout, () => [outcomeLine(rollout)]);
          if (rollout.state !== 'completed') throw failed(`rollout ${id} ${rollout.state}${rollout.halt ? `: ${rollout.halt.reason}` : ''}`);
          return;
        }
        await sleep(o.interval);
      }
    });

  const actions = [
    ['pause', 'hold a running rollout where it is'],
    ['resume', 'let a paused rollout go on (or overrule a halt: the step starts over)'],
    ['advance', 'skip the current wait: approve an approval step, end a bake early'],
    ['abort', 'stop a rollout; devices keep what they run unless --revert'],
    ['rollback', 'send every touched device back to its previous version now'],
  ] as const;
  for (const [action, description] of actions) {
    const command = rollouts
      .command(action)
      .description(`${description} (exit 5 when the rollout's state does not allow it)`)
      .argument('<id>', 'rollout id (or its first characters)', uuidRefArg)
      .option('--reason <text>', 'kept in the audit log');
    if (action === 'abort') command.option('--revert', 'send every touched device back to its previous version');
    command.action(async (ref: string, o: { reason?: string; revert?: boolean }) => {
      if (o.reason !== undefined && o.reason.length > 500) throw usageError('--reason: at most 500 characters');
      const hub = await ctx.hub();
      const id = await rolloutId(hub, ref);
      const body = { ...(o.reason === undefined ? {} : { reason: o.reason }), ...(o.revert ? { revert: true } : {}) };
      const rollout = await ok(hub, hub.client.POST('/api/v1/rollouts/{id}/{action}', { params: { path: { id, action } }, body }));
      ctx.out.result(rollout, () => [`Rollout ${rollout.id}: ${rollout.state}${rollout.reverted ? ' (devices reverting)' : ''}.`, watchLine(rollout)]);
    });
  }
}
