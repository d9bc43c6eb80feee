/** `edgefleet models ...` (list, show, statistics views, lifecycle) and `edgefleet drift`. */
import type { Command } from 'commander';
import { ok } from '../api';
import { deviceIdArg, keyValueArg, modelArg, ringArg, tagFilter, timeArg, versionArg } from '../args';
import type { Ctx } from '../context';
import { CliError, EXIT, usageError } from '../errors';
import { time } from '../output';
import { accuracyView, driftView, shadowView, statsView } from '../views/stats';
import { modelsTable, modelVersions, versionDetailView } from '../views/models';
import { registerModelTransfers } from './models-transfer';
import { registerModelDerivations } from './models-derive';

interface ScopeOptions {
  ring?: string;
  device?: string;
  tag?: Record<string, string>;
  from?: string;
  to?: string;
}

/** --ring, --device, --from, --to (and --tag where the route takes it) on a statistics view. */
function scoped(command: Command, ctx: Ctx, withTag: boolean): Command {
  command
    .argument('<model>', 'model name', modelArg)
    .argument('<version>', 'version label', versionArg)
    .option('--ring <ring>', 'only devices in this ring', ringArg)
    .option('--device <id>', 'only this device', deviceIdArg)
    .option('--from <time>', 'start: ISO time or a duration ago (2h, 1d)', timeArg(ctx.now))
    .option('--to <time>', 'end: ISO time or a duration ago (default now)', timeArg(ctx.now));
  if (withTag) command.option('--tag <key=value>', 'only devices with this tag', keyValueArg);
  return command;
}


async function showDrift(ctx: Ctx, model: string, version: string, o: ScopeOptions): Promise<void> {
  const hub = await ctx.hub();
  const drift = await ok(hub, hub.client.GET('/api/v1/models/{model}/versions/{version}/drift', { params: { path: { model, version }, query: { ring: o.ring, device: o.device, tag: tagFilter(o.tag), from: o.from, to: o.to } } }));
  ctx.out.result(drift, () => driftView(drift, ctx.out.width));
}

export function registerModels(program: Command, ctx: Ctx): void {
  const models = program.command('models').description('model versions: upload, inspect, quantize, prune, distil, download, statistics, drift, archive, delete');

  models
    .command('list')
    .description('every model and its versions')
    .option('--archived', 'archived versions too')
    .action(async (o: { archived?: boolean }) => {
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.GET('/api/v1/models', { params: { query: { archived: o.archived ? 'true' : undefined } } }));
      ctx.out.result(reply, () => modelsTable(reply.models, ctx.out.width));
    });

  models
    .command('show')
    .description("a model's versions, or one version: its io, probe, lineage and metrics")
    .argument('<model>', 'model name', modelArg)
    .argument('[version]', 'version label', versionArg)
    .action(async (model: string, version: string | undefined) => {
      const hub = await ctx.hub();
      if (version === undefined) {
        const { models: all } = await ok(hub, hub.client.GET('/api/v1/models', { params: { query: { archived: 'true' } } }));
        const found = all.find((m) => m.name === model);
        if (!found) throw new CliError('E_NOT_FOUND', `model ${model} not found`, EXIT.notFound);
        ctx.out.result(found, () => modelVersions(found, ctx.out.width));
        return;
      }
      const detail = await ok(hub, hub.client.GET('/api/v1/models/{model}/versions/{version}', { params: { path: { model, version } } }));
      ctx.out.result(detail, () => versionDetailView(detail, ctx.out.width));
    });

  registerModelTransfers(models, ctx);
  registerModelDerivations(models, ctx);

  scoped(models.command('stats').description("a version's prediction statistics merged over devices and time (default: the last 24 h)"), ctx, true).action(async (model: string, version: string, o: ScopeOptions) => {
    const hub = await ctx.hub();
    const stats = await ok(hub, hub.client.GET('/api/v1/models/{model}/versions/{version}/stats', { params: { path: { model, version }, query: { ring: o.ring, device: o.device, tag: tagFilter(o.tag), from: o.from, to: o.to } } }));
    ctx.out.result(stats, () => statsView(stats, ctx.out.width));
  });

  scoped(models.command('drift').description("drift of a version's statistics against its reference, per feature, output and OOD score"), ctx, true).action((model: string, version: string, o: ScopeOptions) => showDrift(ctx, model, version, o));

  scoped(models.command('shadow').description('agreement and latency of a version that devices ran as a shadow'), ctx, false).action(async (model: string, version: string, o: ScopeOptions) => {
    const hub = await ctx.hub();
    const shadow = await ok(hub, hub.client.GET('/api/v1/models/{model}/versions/{version}/shadow', { params: { path: { model, version }, query: { ring: o.ring, device: o.device, from: o.from, to: o.to } } }));
    ctx.out.result(shadow, () => shadowView(shadow, ctx.out.width));
  });

  scoped(models.command('accuracy').description("accuracy (or error) of a version on its labelled predictions (default: every label)"), ctx, false).action(async (model: string, version: string, o: ScopeOptions) => {
    const hub = await ctx.hub();
    const accuracy = await ok(hub, hub.client.GET('/api/v1/models/{model}/versions/{version}/accuracy', { params: { path: { model, version }, query: { ring: o.ring, device: o.device, from: o.from, to: o.to } } }));
    ctx.out.result(accuracy, () => accuracyView(accuracy, ctx.out.width));
  });

  models
    .command('archive')
    .description('hide a version from lists and stop new use of it (assignments, shadows, rollouts, quantization); devices running it keep it')
    .argument('<model>', 'model name', modelArg)
    .argument('<version>', 'version label', versionArg)
    .action(async (model: string, version: string) => {
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.POST('/api/v1/models/{model}/versions/{version}/archive', { params: { path: { model, version } } }));
      ctx.out.result(reply, () => [`${reply.model}@${reply.version} archived (${time(reply.archivedAt)}).`]);
    });

  models
    .command('unarchive')
    .description('make an archived version usable again')
    .argument('<model>', 'model name', modelArg)
    .argument('<version>', 'version label', versionArg)
    .action(async (model: string, version: string) => {
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.POST('/api/v1/models/{model}/versions/{version}/unarchive', { params: { path: { model, version } } }));
      ctx.out.result(reply, () => [`${reply.model}@${reply.version} is in use again.`]);
    });

  models
    .command('delete')
    .description('delete a version and its file (refused, exit 5, while a device or an active rollout uses it)')
    .argument('<model>', 'model name', modelArg)
    .argument('<version>', 'version label', versionArg)
    .option('--yes', 'confirm: this cannot be undone')
    .action(async (model: string, version: string, options: { yes?: boolean }) => {
      if (!options.yes) throw usageError(`deleting ${model}@${version} cannot be undone: add --yes`);
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.DELETE('/api/v1/models/{model}/versions/{version}', { params: { path: { model, version } } }));
      ctx.out.result(reply, () => [`${reply.model}@${reply.version} deleted${reply.alreadyDeleted ? ' (earlier)' : ''}; its file: ${reply.files.artifact.file}.`]);
    });

  scoped(program.command('drift').description('the same as models drift: drift of a version against its reference'), ctx, true).action((model: string, version: string, o: ScopeOptions) => showDrift(ctx, model, version, o));
}
