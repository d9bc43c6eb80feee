/**
 * `edgefleet models prune | distill`: derive a smaller version as a training run, followed with
 * the same progress bar and log as `train watch` (--wait); a result the quality gate refuses
 * ends the run failed with E_QUALITY_GATE and exits 5.
 */
import { Option, type Command } from 'commander';
import { ok, type Hub } from '../api';
import { intArg, jsonArg, listArg, modelArg, numberArg, versionArg, type JsonSource } from '../args';
import type { Ctx } from '../context';
import { datasetRefArg, resolveDatasetId } from './datasets';
import { follow, intervalArg, jsonObject } from './train';

interface Follow {
  wait?: boolean;
  interval: number;
}

async function queued(ctx: Ctx, hub: Hub, id: string, what: string, o: Follow): Promise<void> {
  if (!o.wait) {
    ctx.out.result({ id }, () => [`${what}: training run ${id} queued. Follow it with: edgefleet train watch ${id}`]);
    return;
  }
  ctx.out.note(`${what}: training run ${id} queued.`);
  await follow(ctx, hub, id, o.interval);
}

interface PruneOptions extends Follow {
  method: 'structured' | 'magnitude';
  sparsity?: number;
  fineTuneEpochs?: number;
  as?: string;
  maxAccuracyLoss?: number;
  maxMetricLoss?: number;
  minAgreement?: number;
}

interface DistillOptions extends Follow {
  dataset: string;
  target: string;
  task: 'classification' | 'regression';
  features?: string[];
  trainer: 'mlp' | 'linear';
  hidden?: number[];
  params?: JsonSource;
  temperature?: number;
  hardWeight?: number;
  teacherOutput?: string;
  teacherClasses?: string[];
  model?: string;
  as?: string;
  seed?: number;
  maxAccuracyLoss?: number;
  maxMetricLoss?: number;
  minAgreement?: number;
}

const hiddenArg = (value: string): number[] => listArg(value).map((n) => intArg(1, 4096)(n));

export function registerModelDerivations(models: Command, ctx: Ctx): void {
  models
    .command('prune')
    .description("prune a hub-trained version and fine-tune it on its training data; registered as a new version when it passes the quality gate against the parent (exit 5 otherwise)")
    .argument('<model>', 'model name', modelArg)
    .argument('<version>', 'the parent version (float, trained by the hub)', versionArg)
    .addOption(new Option('--method <method>', 'structured: remove hidden units (smaller and faster); magnitude: zero small weights (smaller once compressed)').choices(['structured', 'magnitude']).default('structured'))
    .option('--sparsity <fraction>', "structured: share of every hidden layer's units removed (default 0.5); magnitude: share of weights zeroed (default 0.8)", numberArg(0.000001, 0.999999))
    .option('--fine-tune-epochs <n>', 'epochs of fine-tuning after pruning (default 3)', intArg(0, 200))
    .option('--as <version>', 'label of the new version (default: its release counter)', versionArg)
    .option('--max-accuracy-loss <pp>', 'largest accuracy loss against the parent, percentage points (default 1)', numberArg(0, 100))
    .option('--max-metric-loss <pp>', 'largest primary-metric loss against the parent (default 1)', numberArg(0, 100))
    .option('--min-agreement <fraction>', 'regression: smallest share of rows agreeing with the parent (default 0.95)', numberArg(0, 1))
    .option('--wait', 'follow the run to the end')
    .option('--interval <seconds>', 'with --wait: how often to poll (0.2-60)', intervalArg, 1000)
    .action(async (model: string, version: string, o: PruneOptions) => {
      const body = {
        method: o.method,
        ...(o.sparsity === undefined ? {} : { sparsity: o.sparsity }),
        ...(o.fineTuneEpochs === undefined ? {} : { fineTuneEpochs: o.fineTuneEpochs }),
        ...(o.as === undefined ? {} : { version: o.as }),
        ...(o.maxAccuracyLoss === undefined ? {} : { maxAccuracyLossPp: o.maxAccuracyLoss }),
        ...(o.maxMetricLoss === undefined ? {} : { maxMetricLossPp: o.maxMetricLoss }),
        ...(o.minAgreement === undefined ? {} : { minAgreement: o.minAgreement }),
      };
      const hub = await ctx.hub();
      const { id } = await ok(hub, hub.client.POST('/api/v1/models/{model}/versions/{version}/prune', { params: { path: { model, version } }, body }));
      await queued(ctx, hub, id, `Pruning ${model}@${version} (${o.method})`, o);
    });

  models
    .command('distill')
    .description("train a small student on a version's soft targets over a dataset (the teacher may be any version, an upload too); registered when it passes the quality gate against the teacher (exit 5 otherwise)")
    .argument('<model>', 'the teacher model', modelArg)
    .argument('<version>', 'the teacher version', versionArg)
    .requiredOption('--dataset <id>', 'the dataset the teacher labels (id, prefix or name)', datasetRefArg)
    .requiredOption('--target <column>', 'the label column (hard labels; accuracy is measured against it)')
    .addOption(new Option('--task <task>', 'what the student learns').choices(['classification', 'regression']).default('classification'))
    .option('--features <a,b,c>', "feature columns (default: the teacher's own when a training run made it, else every column but the target)", listArg)
    .addOption(new Option('--trainer <trainer>', 'the student').choices(['mlp', 'linear']).default('mlp'))
    .option('--hidden <n,n>', 'the student mlp\'s hidden layer sizes (default 64)', hiddenArg)
    .option('--params <json|@file>', 'more student trainer params, e.g. \'{"epochs":30}\'', jsonArg)
    .option('--temperature <t>', 'softens the teacher\'s scores (default 4)', numberArg(1, 50))
    .option('--hard-weight <w>', 'weight of the hard labels in the loss, 0-1 (default 0.3)', numberArg(0, 1))
    .option('--teacher-output <name>', "the teacher output holding the class scores (default: chosen from the graph)")
    .option('--teacher-classes <a,b,c>', 'the teacher\'s class names in output order (default: its metadata, else 0..K-1)', listArg)
    .option('--model <name>', "model to register the student under (default the teacher's)", modelArg)
    .option('--as <version>', 'label of the new version (default: its release counter)', versionArg)
    .option('--seed <n>', 'random seed (default 1)', intArg(0, 2 ** 31 - 1))
    .option('--max-accuracy-loss <pp>', 'largest accuracy loss against the teacher, percentage points (default 2)', numberArg(0, 100))
    .option('--max-metric-loss <pp>', 'largest primary-metric loss against the teacher (default 3)', numberArg(0, 100))
    .option('--min-agreement <fraction>', 'regression: smallest share of rows agreeing with the teacher (default 0.9)', numberArg(0, 1))
    .option('--wait', 'follow the run to the end')
    .option('--interval <seconds>', 'with --wait: how often to poll (0.2-60)', intervalArg, 1000)
    .action(async (model: string, version: string, o: DistillOptions) => {
      const extra = o.params === undefined ? {} : await jsonObject(o.params, '--params');
      const params = { hidden: o.hidden ?? (o.trainer === 'mlp' ? [64] : undefined), ...extra };
      const hub = await ctx.hub();
      const body = {
        dataset: await resolveDatasetId(hub, o.dataset),
        target: o.target,
        task: o.task,
        trainer: o.trainer,
        params: Object.fromEntries(Object.entries(params).filter((entry) => entry[1] !== undefined)),
        ...(o.features === undefined ? {} : { features: o.features }),
        ...(o.temperature === undefined ? {} : { temperature: o.temperature }),
        ...(o.hardWeight === undefined ? {} : { hardWeight: o.hardWeight }),
        ...(o.teacherOutput === undefined ? {} : { teacherOutput: o.teacherOutput }),
        ...(o.teacherClasses === undefined ? {} : { teacherClasses: o.teacherClasses }),
        ...(o.model === undefined ? {} : { model: o.model }),
        ...(o.as === undefined ? {} : { version: o.as }),
        ...(o.seed === undefined ? {} : { seed: o.seed }),
        ...(o.maxAccuracyLoss === undefined ? {} : { maxAccuracyLossPp: o.maxAccuracyLoss }),
        ...(o.maxMetricLoss === undefined ? {} : { maxMetricLossPp: o.maxMetricLoss }),
        ...(o.minAgreement === undefined ? {} : { minAgreement: o.minAgreement }),
      };
      const { id } = await ok(hub, hub.client.POST('/api/v1/models/{model}/versions/{version}/distill', { params: { path: { model, version } }, body }));
      await queued(ctx, hub, id, `Distilling ${model}@${version}`, o);
    });
}
