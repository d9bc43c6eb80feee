/** `edgefleet models upload | download | quantize`: files to and from the hub, streamed with a known length. */
import { createHash } from 'node:crypto';
import { Option, type Command } from 'commander';
import { ok, query, seg, send, type Hub } from '../api';
import type { Quantized, QuantizeBody, SampleInputs, Uploaded } from '../api-types';
import { intArg, listArg, modelArg, numberArg, SHA256_PATTERN, versionArg } from '../args';
import type { Ctx } from '../context';
import { CliError, EXIT, usageError } from '../errors';
import { atomicFile, exists, openSized, outputFile, readSmallFile } from '../files';
import { bytes } from '../output';
import { terminalBar } from '../progress';
import { upload } from '../upload';
import { quantizedView, sampleInputsView, uploadedView } from '../views/models';
import { datasetRefArg, resolveDatasetId } from './datasets';

/** The hub takes the probe hint in the query string, at most this many characters. */
const MAX_PROBE_BYTES = 65_536;

/** Streams `path` as the body of a POST, with a progress bar on a terminal. */
async function uploadFile<T>(ctx: Ctx, hub: Hub, path: string, what: string, target: string, contentType: string): Promise<T> {
  const file = await openSized(path, what);
  const bar = await terminalBar(ctx.out, `uploading ${what}`, file.size, 'bytes');
  try {
    const onBytes = (n: number): void => bar.update(n, n === file.size ? 'sent; the hub is checking it' : '');
    return (await upload<T>(hub, { path: target, contentType, length: file.size, body: file.stream(), onBytes })).body;
  } finally {
    bar.stop();
  }
}

/** `--samples`: a .npy/.npz file is stored first (POST /api/v1/sample-inputs); an id of stored samples is used as it is. */
async function samplesId(ctx: Ctx, hub: Hub, value: string): Promise<string> {
  if (await exists(value)) {
    const stored = await uploadFile<SampleInputs>(ctx, hub, value, '--samples', '/api/v1/sample-inputs', 'application/octet-stream');
    if (!ctx.out.json) for (const text of sampleInputsView(stored, ctx.out.width)) ctx.out.note(text);
    return stored.id;
  }
  if (SHA256_PATTERN.test(value)) return value;
  throw usageError(`--samples: ${value} is neither a file nor the id of stored samples`);
}

async function probeHint(path: string): Promise<string> {
  const text = (await readSmallFile(path, MAX_PROBE_BYTES, '--probe')).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw usageError(`--probe: ${path} is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw usageError(`--probe: ${path} must hold an object {"<input>": {"dims": [...], "data"?: [...]}}`);
  // Compact, so the query string carries no whitespace.
  return JSON.stringify(value);
}

interface UploadOptions {
  probe?: string;
  samples?: string;
  referenceDataset?: string;
  columns?: string[];
  target?: string;
}

interface QuantizeOptions {
  mode: QuantizeBody['mode'];
  as?: string;
  perChannel?: boolean;
  calibration?: 'minmax' | 'percentile';
  percentile?: number;
  calibrationSamples?: number;
  depthwise?: 'float' | 'int8';
  activations?: 'uint8' | 'int8';
  accuracyFallback?: boolean;
  maxAccuracyLoss?: number;
  maxMetricLoss?: number;
  minAgreement?: number;
}

export function quantizeBody(o: QuantizeOptions): QuantizeBody {
  const calibration = o.calibration ?? (o.percentile !== undefined || o.calibrationSamples !== undefined ? 'minmax' : undefined);
  if (o.percentile !== undefined && calibration !== 'percentile') throw usageError('--percentile: only with --calibration percentile');
  return {
    mode: o.mode,
    ...(o.as === undefined ? {} : { version: o.as }),
    ...(o.perChannel === undefined ? {} : { perChannel: o.perChannel }),
    ...(calibration === undefined ? {} : { calibration: { method: calibration, ...(o.percentile === undefined ? {} : { percentile: o.percentile }), ...(o.calibrationSamples === undefined ? {} : { samples: o.calibrationSamples }) } }),
    ...(o.depthwise === undefined ? {} : { depthwise: o.depthwise }),
    ...(o.activations === undefined ? {} : { activations: o.activations }),
    ...(o.accuracyFallback === false ? { accuracyFallback: false } : {}),
    ...(o.maxAccuracyLoss === undefined ? {} : { maxAccuracyLossPp: o.maxAccuracyLoss }),
    ...(o.maxMetricLoss === undefined ? {} : { maxMetricLossPp: o.maxMetricLoss }),
    ...(o.minAgreement === undefined ? {} : { minAgreement: o.minAgreement }),
  };
}

export function registerModelTransfers(models: Command, ctx: Ctx): void {
  models
    .command('upload')
    .description('upload an ONNX file as a new version: the hub loads it, runs a probe, signs it')
    .argument('<model>', 'model name', modelArg)
    .argument('<version>', 'version label', versionArg)
    .argument('<file>', 'the .onnx file')
    .option('--probe <file.json>', 'probe shapes and values: {"<input>": {"dims": [...], "data"?: [...]}}')
    .option('--samples <file|id>', 'real sample inputs (.npy, or .npz with an array per input and optional labels), stored first; or the id of stored ones')
    .option('--reference-dataset <id>', 'a dataset whose rows build the drift reference (id, prefix or name)', datasetRefArg)
    .option('--columns <a,b,c>', 'with --reference-dataset: the numeric columns feeding the model, in input order', listArg)
    .option('--target <column>', 'with --reference-dataset: a column to leave out (the label)')
    .action(async (model: string, version: string, file: string, options: UploadOptions) => {
      if (options.referenceDataset === undefined && (options.columns !== undefined || options.target !== undefined)) throw usageError(`${options.columns !== undefined ? '--columns' : '--target'}: only with --reference-dataset`);
      const probe = options.probe === undefined ? undefined : await probeHint(options.probe);
      // Checked before the sample file goes up, so a typo costs no upload.
      await openSized(file, '<file>');
      const hub = await ctx.hub();
      // A label that is taken is refused before the file goes up: the hub refuses it too, but
      // early, and on a busy link its answer can be lost with the connection it closes.
      // Through ok(), so a hub that is down or refuses the token says so (exit 6, 3) before any upload.
      const taken = await ok(hub, hub.client.GET('/api/v1/models/{model}/versions/{version}', { params: { path: { model, version } } })).then(
        () => true,
        (error: unknown) => {
          if (error instanceof CliError && error.exitCode === EXIT.notFound) return false;
          throw error;
        },
      );
      if (taken) throw new CliError('E_CONFLICT', `${model}@${version} already exists`, EXIT.conflict);
      const referenceDataset = options.referenceDataset === undefined ? undefined : await resolveDatasetId(hub, options.referenceDataset);
      const samples = options.samples === undefined ? undefined : await samplesId(ctx, hub, options.samples);
      const path = `/api/v1/models/${seg(model)}/versions${query({ version, probe, samples, referenceDataset, columns: options.columns?.join(','), target: options.target })}`;
      const uploaded = await uploadFile<Uploaded>(ctx, hub, file, 'model', path, 'application/octet-stream');
      ctx.out.result(uploaded, () => uploadedView(uploaded, ctx.out.width));
    });

  models
    .command('download')
    .description("save a version's ONNX file (checked against its SHA-256 before it is kept)")
    .argument('<model>', 'model name', modelArg)
    .argument('<version>', 'version label', versionArg)
    .option('-o, --output <file>', 'where to save it: a file, or a directory for <model>-<version>.onnx in it (default <model>-<version>.onnx here)')
    .action(async (model: string, version: string, options: { output?: string }) => {
      const output = await outputFile(options.output, `${model}-${version}.onnx`, '--output');
      const hub = await ctx.hub();
      const detail = await ok(hub, hub.client.GET('/api/v1/models/{model}/versions/{version}', { params: { path: { model, version } } }));
      // Opened before the download starts: a place that cannot take the file fails before any byte moves.
      const target = await atomicFile(output, 0o644).catch((error: NodeJS.ErrnoException) => {
        throw usageError(`--output: cannot write ${output}: ${error.code ?? error.message}`);
      });
      const bar = await terminalBar(ctx.out, 'downloading', detail.size, 'bytes');
      const hash = createHash('sha256');
      let size = 0;
      try {
        const response = await send(hub, { method: 'GET', path: `/artifacts/${detail.sha256}` });
        if (!response.body) throw new CliError('E_DOWNLOAD', 'the hub sent no body', EXIT.unreachable);
        for await (const chunk of response.body) {
          size += chunk.length;
          if (size > detail.size) throw new CliError('E_DOWNLOAD', `the hub sent more than the ${detail.size} bytes of ${model}@${version}`, EXIT.unreachable);
          hash.update(chunk);
          await target.write(chunk);
          bar.update(size);
        }
        const sha256 = hash.digest('hex');
        if (size !== detail.size || sha256 !== detail.sha256) throw new CliError('E_DOWNLOAD', `the download does not match ${model}@${version} (${size} bytes, sha256 ${sha256}); nothing was saved`, EXIT.unreachable);
        await target.commit();
      } catch (error) {
        await target.abort();
        throw error;
      } finally {
        bar.stop();
      }
      ctx.out.result({ model, version, sha256: detail.sha256, size, file: output }, () => [`Saved ${model}@${version} to ${output} (${bytes(size)}, sha256 ${detail.sha256.slice(0, 12)}... verified).`]);
    });

  models
    .command('quantize')
    .description('quantize a version to int8 as a new signed version, refused (exit 5) when it loses more quality than allowed')
    .argument('<model>', 'model name', modelArg)
    .argument('<version>', 'the source version', versionArg)
    .addOption(new Option('--mode <mode>', 'int8-dynamic (MLPs), int8-static (CNNs, needs real inputs), int8-weight-only (any graph)').choices(['int8-dynamic', 'int8-static', 'int8-weight-only']).makeOptionMandatory())
    .option('--as <version>', 'label of the new version (default: its release counter)', versionArg)
    .option('--per-channel', 'one weight scale per output channel')
    .option('--no-per-channel', 'one weight scale per tensor')
    .addOption(new Option('--calibration <method>', 'int8-static: how activation ranges are taken').choices(['minmax', 'percentile']))
    .option('--percentile <p>', 'with --calibration percentile (default 99.999)', numberArg(50.000001, 100))
    .option('--calibration-samples <n>', 'int8-static: calibration batches to use (default all)', intArg(1, 10_000))
    .addOption(new Option('--depthwise <kind>', 'int8-static: depthwise Convs float (default) or int8').choices(['float', 'int8']))
    .addOption(new Option('--activations <type>', 'int8-static: uint8 (default) or int8 activations').choices(['uint8', 'int8']))
    .option('--no-accuracy-fallback', 'int8-static: do not keep sensitive activations float when the gate is missed')
    .option('--max-accuracy-loss <pp>', 'largest accuracy loss allowed, in percentage points (default 1)', numberArg(0, 100))
    .option('--max-metric-loss <pp>', 'largest primary-metric loss allowed (default 1)', numberArg(0, 100))
    .option('--min-agreement <fraction>', 'smallest share of rows agreeing with fp32 (default 0.99)', numberArg(0, 1))
    .action(async (model: string, version: string, options: QuantizeOptions) => {
      const body = quantizeBody(options);
      const hub = await ctx.hub();
      if (!ctx.out.json) ctx.out.note(`Quantizing ${model}@${version} (${options.mode}); the hub compares fp32 and int8, which can take a minute...`);
      const reply: Quantized = await ok(hub, hub.client.POST('/api/v1/models/{model}/versions/{version}/quantize', { params: { path: { model, version } }, body })).catch((error: unknown) => {
        // The hub names its query parameter; here it is an option of models upload.
        if (error instanceof CliError && error.code === 'E_NOT_QUANTIZABLE' && /samples/.test(error.message)) {
          throw new CliError(error.code, error.message, error.exitCode, [...error.lines, `Real inputs: edgefleet models upload ${model} <new version> <file.onnx> --samples <file.npy|npz>`]);
        }
        throw error;
      });
      ctx.out.result(reply, () => quantizedView(reply, ctx.out.width));
    });
}
