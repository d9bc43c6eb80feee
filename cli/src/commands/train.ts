/** `edgefleet train ...`: start a training run, follow it with a progress bar and its log, cancel it. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ok, type Hub } from '../api';
import type { TrainingRequest } from '../api-types';
import { intArg, jsonArg, listArg, modelArg, numberArg, versionArg, type JsonSource } from '../args';
import type { Ctx } from '../context';
import { CliError, EXIT, failed, usageError } from '../errors';
import { readJsonFile } from '../files';
import { isFullUuid, resolvePrefix, uuidRefArg } from '../refs';
import { logLine, runOutcome, runsTable, runView } from '../views/training';
import { datasetRefArg, resolveDatasetId } from './datasets';
import { watchRun } from './train-watch';

const MAX_JSON_OPTION_BYTES = 64 * 1024;

/** The object of a JSON option (inline or @file); `what` names the option in errors. */
export async function jsonObject(source: JsonSource, what: string): Promise<Record<string, unknown>> {
  const value = source.kind === 'inline' ? source.value : await readJsonFile(source.path, MAX_JSON_OPTION_BYTES, what);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw usageError(`${what}: must be a JSON object`);
  return value as Record<string, unknown>;
}

type Split = { train: number; validation: number; test: number };

/** `--split 0.7,0.15,0.15`: an option parser, so commander names the option in its error. */
export function splitArg(value: string): Split {
  const texts = value.split(',').map((p) => p.trim());
  const parts = texts.map(Number);
  if (texts.length !== 3 || texts.some((t) => t === '') || parts.some((n) => !Number.isFinite(n) || n < 0 || n > 1)) {
    throw new InvalidArgumentError(`expected three fractions from 0 to 1 for train,validation,test such as 0.7,0.15,0.15, got ${JSON.stringify(value)}.`);
  }
  const [train = 0, validation = 0, test = 0] = parts;
  return { train, validation, test };
}

/** The full id of a run given by a prefix. */
async function runId(hub: Hub, ref: string): Promise<string> {
  if (isFullUuid(ref)) return ref;
  const { runs } = await ok(hub, hub.client.GET('/api/v1/training-runs'));
  return resolvePrefix(ref, runs.map((r) => r.id), 'training run');
}

export const intervalArg = (value: string): number => Math.round(numberArg(0.2, 60)(value) * 1000);

interface StartOptions {
  dataset: string;
  target: string;
  task: TrainingRequest['task'];
  trainer?: NonNullable<TrainingRequest['trainer']>;
  features?: string[];
  params?: JsonSource;
  search?: JsonSource;
  balance?: NonNullable<TrainingRequest['balance']>;
  seed?: number;
  split?: Split;
  model?: string;
  version?: string;
  register: boolean;
  wait?: boolean;
  interval: number;
}

/**
 * Waits for the run, prints how it ended; a run that failed or was cancelled exits 1, one whose
 * result the quality gate refused (a pruned or distilled version) exits 5 as a refused quantization does.
 */
export async function follow(ctx: Ctx, hub: Hub, id: string, intervalMs: number): Promise<void> {
  const run = await watchRun(ctx, hub, id, intervalMs);
  ctx.out.result(run, () => runOutcome(run));
  if (run.status === 'succeeded') return;
  const message = `training run ${id} ${run.status}${run.error ? `: ${run.error.code} ${run.error.message}` : ''}`;
  if (run.error?.code === 'E_QUALITY_GATE') throw new CliError(run.error.code, message, EXIT.conflict);
  throw failed(message);
}

export function registerTrain(program: Command, ctx: Ctx): void {
  const train = program.command('train').description('training runs: start, watch with progress and log, inspect, cancel');

  train
    .command('start')
    .description('start a training run on a dataset (queued; --wait follows it to the end)')
    .requiredOption('--dataset <id>', 'dataset id (or a prefix of at least 6 hex digits, or its name: the newest of that name)', datasetRefArg)
    .requiredOption('--target <column>', 'the column to predict (anomaly: the 0/1 label)')
    .addOption(new Option('--task <task>', 'what to learn').choices(['classification', 'regression', 'anomaly']).default('classification'))
    .addOption(new Option('--trainer <trainer>', 'default: mlp, or autoencoder for anomaly').choices(['baseline', 'linear', 'mlp', 'autoencoder']))
    .option('--features <a,b,c>', "feature columns (default: every column but the target and id-like ones)", listArg)
    .option('--params <json|@file>', 'trainer params, e.g. \'{"hidden":[16],"epochs":20}\'', jsonArg)
    .option('--search <json|@file>', 'a hyperparameter search: {"kind":"grid"|"random","space":{...},"metric":"macroF1"}', jsonArg)
    .addOption(new Option('--balance <how>', 'classification: class balancing').choices(['none', 'class-weights', 'oversample']))
    .option('--seed <n>', 'random seed (default 1)', intArg(0, 2 ** 31 - 1))
    .option('--split <train,validation,test>', 'fractions (default 0.7,0.15,0.15)', splitArg)
    .option('--model <name>', 'model to register under (default <dataset name>-<task>)', modelArg)
    .option('--version <label>', 'version label (default the release counter)', versionArg)
    .option('--no-register', 'train and evaluate without registering a version')
    .option('--wait', 'follow the run to the end (as train watch)')
    .option('--interval <seconds>', 'with --wait: how often to poll (0.2-60)', intervalArg, 1000)
    .action(async (o: StartOptions) => {
      const params = o.params === undefined ? undefined : await jsonObject(o.params, '--params');
      const search = o.search === undefined ? undefined : await jsonObject(o.search, '--search');
      const hub = await ctx.hub();
      const dataset = await resolveDatasetId(hub, o.dataset);
      const body = {
        dataset,
        target: o.target,
        task: o.task,
        ...(o.trainer === undefined ? {} : { trainer: o.trainer }),
        ...(o.features === undefined ? {} : { features: o.features }),
        ...(params === undefined ? {} : { params }),
        ...(search === undefined ? {} : { search: search as TrainingRequest['search'] }),
        ...(o.balance === undefined ? {} : { balance: o.balance }),
        ...(o.seed === undefined ? {} : { seed: o.seed }),
        ...(o.split === undefined ? {} : { split: o.split }),
        ...(o.model === undefined ? {} : { model: o.model }),
        ...(o.version === undefined ? {} : { version: o.version }),
        ...(o.register ? {} : { register: false }),
      } satisfies TrainingRequest;
      const { id } = await ok(hub, hub.client.POST('/api/v1/training-runs', { body }));
      if (!o.wait) {
        ctx.out.result({ id }, () => [`Training run ${id} queued. Follow it with: edgefleet train watch ${id}`]);
        return;
      }
      ctx.out.note(`Training run ${id} queued.`);
      await follow(ctx, hub, id, o.interval);
    });

  train
    .command('watch')
    .description('follow a run to its end: a progress bar and its log as it arrives; exit 0 when it succeeds, 1 when it fails or is cancelled')
    .argument('<id>', 'run id (or its first characters)', uuidRefArg)
    .option('--interval <seconds>', 'how often to poll (0.2-60)', intervalArg, 1000)
    .action(async (ref: string, o: { interval: number }) => {
      const hub = await ctx.hub();
      await follow(ctx, hub, await runId(hub, ref), o.interval);
    });

  train
    .command('list')
    .description('training runs, newest first')
    .action(async () => {
      const hub = await ctx.hub();
      const reply = await ok(hub, hub.client.GET('/api/v1/training-runs'));
      ctx.out.result(reply, () => runsTable(reply.runs, ctx.out.width));
    });

  train
    .command('show')
    .description('one run: status, progress, metrics beside the baseline, result version')
    .argument('<id>', 'run id (or its first characters)', uuidRefArg)
    .action(async (ref: string) => {
      const hub = await ctx.hub();
      const id = await runId(hub, ref);
      const run = await ok(hub, hub.client.GET('/api/v1/training-runs/{id}', { params: { path: { id } } }));
      ctx.out.result(run, () => runView(run, ctx.out.width));
    });

  train
    .command('logs')
    .description("a run's log lines")
    .argument('<id>', 'run id (or its first characters)', uuidRefArg)
    .action(async (ref: string) => {
      const hub = await ctx.hub();
      const id = await runId(hub, ref);
      const reply = await ok(hub, hub.client.GET('/api/v1/training-runs/{id}/logs', { params: { path: { id } } }));
      ctx.out.result(reply, () => (reply.logs.length === 0 ? ['No log lines yet.'] : reply.logs.map(logLine)));
    });

  train
    .command('cancel')
    .description('cancel a queued or running run (exit 5 once it has finished)')
    .argument('<id>', 'run id (or its first characters)', uuidRefArg)
    .action(async (ref: string) => {
      const hub = await ctx.hub();
      const id = await runId(hub, ref);
      const run = await ok(hub, hub.client.POST('/api/v1/training-runs/{id}/cancel', { params: { path: { id } } }));
      ctx.out.result(run, () => [`Training run ${run.id} ${run.status}.`]);
    });
}
