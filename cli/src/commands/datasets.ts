/** `edgefleet datasets ...`: upload a CSV, list, explore, archive, delete. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ok, query, type Hub } from '../api';
import type { Dataset } from '../api-types';
import { kindsArg, MODEL_NAME_PATTERN, SHA256_PATTERN, type ColumnKind } from '../args';
import type { Ctx } from '../context';
import { usageError } from '../errors';
import { openSized } from '../files';
import { terminalBar } from '../progress';
import { resolvePrefix } from '../refs';
import { upload } from '../upload';
import { datasetDetailView, datasetsTable, datasetView } from '../views/datasets';

/** A dataset id, or a prefix of one (at least 6 hex digits) as the list shows them. */
export function datasetRefArg(value: string): string {
  if (!/^[0-9a-f]{6,64}$/.test(value) && !MODEL_NAME_PATTERN.test(value)) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a dataset id (64 hex digits, or a prefix of at least 6) or name.`);
  return value;
}

/**
 * The full id of `ref`: itself, the one dataset whose id starts with it, or else the newest dataset
 * of that name (later uploads under a name are its newer data: the walkthrough trains on "sensors").
 */
export async function resolveDatasetId(hub: Hub, ref: string): Promise<string> {
  if (SHA256_PATTERN.test(ref)) return ref;
  const { datasets } = await ok(hub, hub.client.GET('/api/v1/datasets', { params: { query: { archived: 'true' } } }));
  if (/^[0-9a-f]{6,63}$/.test(ref) && datasets.some((d) => d.id.startsWith(ref))) return resolvePrefix(ref, datasets.map((d) => d.id), 'dataset');
  const named = datasets.filter((d) => d.name === ref).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  if (named[0]) return named[0].id;
  return resolvePrefix(ref, datasets.map((d) => d.id), 'dataset');
}

const nameArg = (value: string): string => {
  if (!MODEL_NAME_PATTERN.test(value)) throw new InvalidArgumentError(`${JSON.stringify(value)} is not a dataset name (1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit).`);
  return value;
};

export function registerDatasets(program: Command, ctx: Ctx): void {
  const datasets = program.command('datasets').description('CSV datasets for training and drift references');

  datasets
    .command('upload')
    .description('upload a CSV file (header row; at most 64 MiB); the same bytes again give the same id')
    .argument('<file>', 'the .csv file')
    .requiredOption('--name <name>', 'dataset name (later uploads under the same name are newer data for retraining)', nameArg)
    .option('--kinds <col=kind,...>', 'declare column kinds (numeric or categorical); the rest are inferred', kindsArg)
    .action(async (file: string, options: { name: string; kinds?: Record<string, ColumnKind> }) => {
      const csv = await openSized(file, '<file>');
      const hub = await ctx.hub();
      const bar = await terminalBar(ctx.out, 'uploading', csv.size, 'bytes');
      const path = `/api/v1/datasets${query({ name: options.name, kinds: options.kinds ? JSON.stringify(options.kinds) : undefined })}`;
      let reply: { status: number; body: Dataset };
      try {
        reply = await upload<Dataset>(hub, { path, contentType: 'text/csv', length: csv.size, body: csv.stream(), onBytes: (n) => bar.update(n, n === csv.size ? 'sent; the hub is parsing it' : '') });
      } finally {
        bar.stop();
      }
      const dataset = reply.body;
      ctx.out.result(dataset, () => [reply.status === 200 ? 'Already stored (same bytes):' : 'Stored:', ...datasetView(dataset, ctx.out.width)]);
    });

  datasets
    .command('list')
    .description('datasets, newest first')
    .option('--archived', 'archived datasets too')
    .action(async (o: { archived?: boolean }) => {
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.GET('/api/v1/datasets', { params: { query: { archived: o.archived ? 'true' : undefined } } }));
      ctx.out.result(reply, () => datasetsTable(reply.datasets, ctx.out.width));
    });

  datasets
    .command('show')
    .description('one dataset with its exploration summary; with --target, class balance and associations')
    .argument('<id>', 'dataset id (or a prefix of at least 6 hex digits, or its name: the newest of that name)', datasetRefArg)
    .option('--target <column>', 'explore against this column')
    .addOption(new Option('--target-kind <kind>', 'treat the target as this kind').choices(['numeric', 'categorical']))
    .action(async (ref: string, options: { target?: string; targetKind?: ColumnKind }) => {
      const hub = await ctx.hub();
      const id = await resolveDatasetId(hub, ref);
      const detail = await ok(hub, hub.client.GET('/api/v1/datasets/{id}', { params: { path: { id }, query: { target: options.target, targetKind: options.targetKind } } }));
      ctx.out.result(detail, () => datasetDetailView(detail, ctx.out.width));
    });

  datasets
    .command('archive')
    .description('hide a dataset from lists; no new training runs or references on it')
    .argument('<id>', 'dataset id (or a prefix)', datasetRefArg)
    .action(async (ref: string) => {
      const hub = await ctx.hub();
      const id = await resolveDatasetId(hub, ref);
      const reply = await ok(hub, hub.client.POST('/api/v1/datasets/{id}/archive', { params: { path: { id } } }));
      ctx.out.result(reply, () => [`Dataset ${reply.name} (${reply.id}) archived.`]);
    });

  datasets
    .command('unarchive')
    .description('make an archived dataset usable again')
    .argument('<id>', 'dataset id (or a prefix)', datasetRefArg)
    .action(async (ref: string) => {
      const hub = await ctx.hub();
      const id = await resolveDatasetId(hub, ref);
      const reply = await ok(hub, hub.client.POST('/api/v1/datasets/{id}/unarchive', { params: { path: { id } } }));
      ctx.out.result(reply, () => [`Dataset ${reply.name} (${reply.id}) is in use again.`]);
    });

  datasets
    .command('delete')
    .description('delete a dataset and its file (refused, exit 5, while a version or a training run needs it)')
    .argument('<id>', 'dataset id (or a prefix)', datasetRefArg)
    .option('--yes', 'confirm: this cannot be undone')
    .action(async (ref: string, options: { yes?: boolean }) => {
      if (!options.yes) throw usageError(`deleting dataset ${ref} cannot be undone: add --yes`);
      const hub = await ctx.hub();
      const id = await resolveDatasetId(hub, ref);
      const reply = await ok(hub, hub.client.DELETE('/api/v1/datasets/{id}', { params: { path: { id } } }));
      ctx.out.result(reply, () => [`Dataset ${reply.name} (${reply.id}) deleted.`]);
    });
}
