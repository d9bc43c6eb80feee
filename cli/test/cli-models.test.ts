/**
 * Models, datasets and training through the `edgefleet` bin against a real hub: an upload with a
 * probe file and one with a .npy of real sample inputs (stored first), int8 quantization judged
 * on those samples, the list, an admin download checked byte for byte; a CSV dataset explored
 * against its target; a training run watched to completion (progress and log printed, exit 0)
 * and a cancelled one (exit 1), and on a terminal a progress bar that Ctrl-C takes down cleanly;
 * a download into a directory; a drift reference from a dataset named by its name; and the
 * lifecycle (a dataset a version needs: exit 5; archive, unarchive, delete).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npyBytes } from '../../hub/test/core/tensor-files/numpy-files';
import { IMAGE, realisticImages, smallCnn } from '../../hub/test/core/tensor-files/small-cnn';
import { sensorCsv } from '../../test/fixtures/datasets';
import { models } from '../../test/support/harness';
import { GraphBuilder, encodeModel } from '../../hub/src/core/onnx';
import { json, loggedIn, runCli, runCliInTerminal, startCliHub, type CliEnv, type CliHub } from './support/cli';

const SAMPLES = 12;

interface Uploaded {
  model: string;
  version: string;
  sha256: string;
  samples: { count: number; inputs: string[] } | null;
  warnings: string[];
}

/** y = 0.5 humidity - 0.2 temperature over rows [N, 2]: a model the sensor dataset's columns can feed. */
function linearOnnx(): Uint8Array {
  const g = new GraphBuilder('sensor_linear');
  const x = g.input('x', 'float32', ['N', 2]);
  g.node('MatMul', [x, g.initializer('w', { type: 'float32', data: Float32Array.from([0.5, -0.2]) }, [2, 1])], ['y']);
  g.output('y', 'float32', ['N', 1]);
  return encodeModel(g.build());
}

describe('edgefleet: models, datasets and training runs', () => {
  let h: CliHub;
  let env: CliEnv;
  let dataset = '';

  beforeAll(async () => {
    h = await startCliHub();
    env = await loggedIn(h);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('uploads a model with a probe file and one with a .npy of real samples, quantizes on the samples, lists and downloads', async () => {
    const probe = join(h.work, 'probe.json');
    await writeFile(probe, JSON.stringify({ input: { dims: [1, 512] }, sr: { dims: [], data: [16000] } }));
    const vad = await runCli(env, ['models', 'upload', 'vad', '1', models.sileroV5, '--probe', probe]);
    expect(vad.code, vad.stderr).toBe(0);
    expect(vad.stdout).toMatch(/^uploaded +vad@1 \(release 1\)$/m);
    expect(vad.stdout).toMatch(/^inputs +input float32 \[\?,\?\]$/m);

    const cnn = join(h.work, 'cnn.onnx');
    const samples = join(h.work, 'images.npy');
    await writeFile(cnn, smallCnn([1, 3, 'H', 'W']));
    await writeFile(samples, npyBytes(realisticImages(SAMPLES, 11), [SAMPLES, ...IMAGE]));
    const withSamples = await runCli(env, ['models', 'upload', 'cnn', '1', cnn, '--samples', samples, '--json']);
    expect(withSamples.code, withSamples.stderr).toBe(0);
    const uploaded = json<Uploaded>(withSamples);
    expect(uploaded).toMatchObject({ model: 'cnn', version: '1', samples: { count: SAMPLES, inputs: ['x'] }, warnings: [] });

    const quantized = await runCli(env, ['models', 'quantize', 'cnn', '1', '--mode', 'int8-static', '--as', 'int8', '--json'], { timeoutMs: 60_000 });
    expect(quantized.code, quantized.stderr).toBe(0);
    expect(json<{ version: string; quantization: string; result: { evaluationData: string } }>(quantized)).toMatchObject({ version: 'int8', quantization: 'int8-static', result: { evaluationData: 'samples' } });
    // Readable: the figures side by side, within 80 columns.
    const weightOnly = await runCli(env, ['models', 'quantize', 'vad', '1', '--mode', 'int8-weight-only', '--as', '1-int8']);
    expect(weightOnly.code, weightOnly.stderr).toBe(0);
    expect(weightOnly.stdout).toMatch(/^size +2\.2 MiB +\d+ KiB \(0\.\d+x\)$/m);
    expect(weightOnly.stdout).toMatch(/^warning: .*synthetic/m);
    const refused = await runCli(env, ['models', 'quantize', 'vad', '1', '--mode', 'int8-static']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/^edgefleet: E_NOT_QUANTIZABLE /m);
    expect(refused.stderr).toContain('--samples <file.npy|npz>');

    const list = json<{ models: { name: string; versions: { version: string }[] }[] }>(await runCli(env, ['models', 'list', '--json']));
    expect(list.models.map((m) => [m.name, m.versions.map((v) => v.version).sort()])).toEqual(expect.arrayContaining([['vad', ['1', '1-int8']], ['cnn', ['1', 'int8']]]));
    const shown = await runCli(env, ['models', 'show', 'cnn', '1']);
    expect(shown.stdout).toMatch(/^probe +(inline|blob [0-9a-f]{12} \(.*\)), inputs x \[1,3,48,192\]$/m);

    const file = join(h.work, 'downloaded.onnx');
    const download = await runCli(env, ['models', 'download', 'vad', '1', '-o', file]);
    expect(download.code, download.stderr).toBe(0);
    expect(Buffer.compare(await readFile(file), await readFile(models.sileroV5))).toBe(0);
    // A directory takes <model>-<version>.onnx, as cp would; a directory that does not exist is a usage error.
    const intoDir = await runCli(env, ['models', 'download', 'vad', '1', '-o', h.work, '--json']);
    expect(intoDir.code, intoDir.stderr).toBe(0);
    expect(json<{ file: string }>(intoDir).file).toBe(join(h.work, 'vad-1.onnx'));
    expect(Buffer.compare(await readFile(join(h.work, 'vad-1.onnx')), await readFile(models.sileroV5))).toBe(0);
    const nowhere = await runCli(env, ['models', 'download', 'vad', '1', '-o', join(h.work, 'no-such-dir', 'x.onnx')]);
    expect([nowhere.code, nowhere.stderr]).toEqual([2, `edgefleet: E_USAGE --output: ${join(h.work, 'no-such-dir')} is not a directory (create it first)\n`]);
    const again = await runCli(env, ['models', 'upload', 'vad', '1', models.sileroV5]);
    expect(again.code).toBe(5);
    expect(again.stderr).toMatch(/vad@1 already exists/);
  });

  it('uploads a CSV dataset and explores it against its target', async () => {
    const rows = new TextDecoder().decode(sensorCsv()).split('\n').slice(0, 3001).join('\n');
    const csv = join(h.work, 'sensors.csv');
    await writeFile(csv, `${rows}\n`);
    const upload = await runCli(env, ['datasets', 'upload', csv, '--name', 'sensors', '--kinds', 'mote_id=categorical', '--json']);
    expect(upload.code, upload.stderr).toBe(0);
    const stored = json<{ id: string; rows: number; columns: { name: string; kind: string }[] }>(upload);
    expect(stored).toMatchObject({ rows: 3000, columns: expect.arrayContaining([{ name: 'mote_id', kind: 'categorical' }]) });
    dataset = stored.id;

    const list = await runCli(env, ['datasets', 'list']);
    expect(list.stdout).toMatch(new RegExp(`^${dataset.slice(0, 12)} +sensors +3000 +6 `, 'm'));
    // A prefix of the id, as the list shows it, is enough.
    const show = await runCli(env, ['datasets', 'show', dataset.slice(0, 12), '--target', 'label']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^Target label \(categorical\), 0 missing$/m);
    expect(show.stdout).toMatch(/^1 +117 +3\.9%$/m);
    expect(show.stdout.split('\n').every((l) => l.length <= 80)).toBe(true);

    // --reference-dataset takes a dataset as the other options do: by name (the newest), prefix or id.
    const regressor = join(h.work, 'regressor.onnx');
    await writeFile(regressor, linearOnnx());
    const referenced = await runCli(env, ['models', 'upload', 'sensor-linear', '1', regressor, '--reference-dataset', 'sensors', '--columns', 'humidity,temperature', '--json']);
    expect(referenced.code, referenced.stderr).toBe(0);
    expect(json<{ reference: { dataset: string; columns: string[] } | null }>(referenced).reference).toMatchObject({ dataset, columns: ['humidity', 'temperature'] });
  });

  it('a training run watched to completion prints its progress and log and exits 0; a cancelled one exits 1', async () => {
    // --wait follows the run from the moment it is queued, as train watch does.
    const run = await runCli(env, ['train', 'start', '--dataset', dataset, '--target', 'label', '--task', 'anomaly', '--features', 'humidity,temperature,mote_id', '--params', '{"hidden":[8],"bottleneck":2,"epochs":15}', '--model', 'sensor-anomaly', '--wait', '--interval', '0.2'], { timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    const id = /^Training run ([0-9a-f-]{36}) queued\.$/m.exec(run.stderr)?.[1] ?? '';
    const progress = run.stdout.split('\n').filter((l) => /^\[ *\d+%\] /.test(l));
    expect(progress.length, run.stdout).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)).toMatch(/^\[100%\] done epoch 15 loss /);
    expect(run.stdout).toMatch(/^\d\d:\d\d:\d\d info +run succeeded: registered sensor-anomaly@1$/m);
    expect(run.stdout).toMatch(new RegExp(`^Run ${id} succeeded: sensor-anomaly@1, rocAuc `, 'm'));
    // Watching a finished run prints its whole log and how it ended.
    const watch = await runCli(env, ['train', 'watch', id.slice(0, 8)]);
    expect(watch.code, watch.stderr).toBe(0);
    expect(watch.stdout).toContain('stage training');

    const shown = json<{ status: string; resultVersion: { model: string; version: string } }>(await runCli(env, ['train', 'show', id, '--json']));
    expect(shown).toMatchObject({ status: 'succeeded', resultVersion: { model: 'sensor-anomaly', version: '1' } });
    const logs = await runCli(env, ['train', 'logs', id]);
    expect(logs.stdout).toContain('parity: onnxruntime matches the trained network');

    // Long enough that the cancel lands while it is queued or running.
    const long = json<{ id: string }>(await runCli(env, ['train', 'start', '--dataset', dataset, '--target', 'label', '--task', 'anomaly', '--features', 'humidity,temperature', '--params', '{"epochs":5000,"patience":5000}', '--json']));
    const cancel = await runCli(env, ['train', 'cancel', long.id, '--json']);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(json<{ status: string }>(cancel).status).toBe('cancelled');
    const watchCancelled = await runCli(env, ['train', 'watch', long.id, '--interval', '0.2', '--json']);
    expect(watchCancelled.code).toBe(1);
    expect(json<{ status: string }>(watchCancelled).status).toBe('cancelled');
    expect(watchCancelled.stderr).toMatch(new RegExp(`^edgefleet: E_FAILED training run ${long.id} cancelled`, 'm'));
    const cancelAgain = await runCli(env, ['train', 'cancel', long.id]);
    expect(cancelAgain.code).toBe(5);
  });

  it('on a terminal: a progress bar with the log above it; Ctrl-C gives the terminal back and says the run goes on', async () => {
    const long = json<{ id: string }>(await runCli(env, ['train', 'start', '--dataset', dataset, '--target', 'label', '--task', 'anomaly', '--features', 'humidity,temperature', '--params', '{"epochs":5000,"patience":5000}', '--no-register', '--json']));
    try {
      const watched = await runCliInTerminal(env, ['train', 'watch', long.id, '--interval', '0.2'], /training \[[=-]+\] \d+% training epoch \d+/);
      expect(watched.code, watched.output).toBe(130);
      // The log's lines and the bar share the terminal.
      expect(watched.output).toMatch(/\d\d:\d\d:\d\d info +stage training/);
      // The bar hid the cursor and turned off line wrapping; both come back after the last bar drawn.
      const afterBar = watched.output.slice(watched.output.lastIndexOf('training ['));
      expect(afterBar).toContain('\u001b[?25h');
      expect(afterBar).toContain('\u001b[?7h');
      expect(afterBar).toContain(`Stopped watching; training run ${long.id} goes on.`);
      expect(json<{ status: string }>(await runCli(env, ['train', 'show', long.id, '--json'])).status).toBe('running');
    } finally {
      await runCli(env, ['train', 'cancel', long.id]);
    }
  }, 60_000);

  it('lifecycle: a dataset a version was trained on is not deleted (exit 5, what holds it); a version archived, unarchived and deleted; a dataset archived and unarchived', async () => {
    const refused = await runCli(env, ['datasets', 'delete', dataset, '--yes']);
    expect(refused.code, refused.stderr).toBe(5);
    expect(refused.stderr).toMatch(/^edgefleet: E_IN_USE /);
    expect(refused.stderr).toContain('sensor-anomaly');
    const archived = await runCli(env, ['models', 'archive', 'cnn', 'int8']);
    expect(archived.code, archived.stderr).toBe(0);
    expect(archived.stdout).toMatch(/^cnn@int8 archived \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\)\.\n$/);
    const versions = async (...flags: string[]): Promise<string[]> =>
      json<{ models: { name: string; versions: { version: string }[] }[] }>(await runCli(env, ['models', 'list', ...flags, '--json'])).models.flatMap((m) => (m.name === 'cnn' ? m.versions.map((v) => v.version) : [])).sort();
    expect(await versions()).toEqual(['1']);
    expect(await versions('--archived')).toEqual(['1', 'int8']);
    expect((await runCli(env, ['models', 'unarchive', 'cnn', 'int8'])).stdout).toBe('cnn@int8 is in use again.\n');
    expect(await versions()).toEqual(['1', 'int8']);
    // Deleting needs --yes; then the version is gone (exit 4 for it afterwards).
    expect((await runCli(env, ['models', 'delete', 'cnn', 'int8'])).code).toBe(2);
    const deleted = await runCli(env, ['models', 'delete', 'cnn', 'int8', '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/^cnn@int8 deleted; its file: /);
    expect((await runCli(env, ['models', 'show', 'cnn', 'int8'])).code).toBe(4);

    const archivedSet = await runCli(env, ['datasets', 'archive', dataset.slice(0, 8)]);
    expect(archivedSet.stdout).toBe(`Dataset sensors (${dataset}) archived.\n`);
    expect(json<{ datasets: unknown[] }>(await runCli(env, ['datasets', 'list', '--json'])).datasets).toEqual([]);
    expect((await runCli(env, ['datasets', 'unarchive', 'sensors'])).code).toBe(0);
    expect(json<{ datasets: { id: string }[] }>(await runCli(env, ['datasets', 'list', '--json'])).datasets.map((d) => d.id)).toEqual([dataset]);
    expect(json<{ runs: { status: string }[] }>(await runCli(env, ['train', 'list', '--json'])).runs.map((r) => r.status)).toEqual(expect.arrayContaining(['succeeded', 'cancelled']));
  });
});
