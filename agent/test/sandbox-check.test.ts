/**
 * The sandbox check before a model is opened in the agent (run-steps.ts loadGuarded), with real
 * model files, a real sandbox child and onnxruntime: each agent of a process fetches the probe
 * it checks with its own files, credentials and signal (one agent superseded while its probe blob
 * downloads does not fail the check another agent waits for), and a pass counts for the probe that
 * ran (the same bytes with a heavier probe go through the sandbox again).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeBlobBytes, type Probe, type ReleaseManifest } from '@edgefleet/protocol';
import { GraphBuilder, attr, encodeModel } from '../../hub/src/core/onnx';
import { makeRelease } from '../../test/fixtures/signing';
import type { HubFetch } from '../src/adapters/hub-http';
import { ModelFiles } from '../src/adapters/model-files';
import { SandboxPassed } from '../src/adapters/sandbox-passed';
import { resolveOptions } from '../src/config';
import { AgentError } from '../src/errors';
import { loadGuarded, type GuardContext } from '../src/run-steps';

const MEMORY_MB = 256;
const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * x float32 [N] -> y float32 [1]: the sum of x's outer product with itself, so the memory a probe
 * needs grows with its N (N x N floats). `salt` makes bytes no other test has passed in this process.
 */
function outerProductModel(salt: number): Uint8Array {
  const g = new GraphBuilder('outer');
  const x = g.input('x', 'float32', ['N']);
  const column = g.op('Reshape', [x, g.initializer('column', { type: 'int64', data: BigInt64Array.from([-1n, 1n]) }, [2])]);
  const row = g.op('Reshape', [x, g.initializer('row', { type: 'int64', data: BigInt64Array.from([1n, -1n]) }, [2])]);
  const sum = g.op('ReduceSum', [g.op('MatMul', [column, row])], { keepdims: attr.int(0) });
  g.node('Add', [sum, g.initializer('salt', { type: 'float32', data: Float32Array.from([salt]) }, [1])], ['y']);
  g.output('y', 'float32', [1]);
  return encodeModel(g.build());
}

const probeOfLength = (n: number): Probe => ({
  inputs: { x: { type: 'float32', dims: [n], data: Array.from({ length: n }, () => 1) } },
  expected: { y: { type: 'float32', dims: [1], data: [n * n] } },
  tolerance: { abs: 1e-3, rel: 1e-3 },
});

function releaseOf(bytes: Uint8Array, version: number, probe: ReleaseManifest['probe']): ReleaseManifest {
  const sha256 = sha256Of(bytes);
  return makeRelease({
    version: String(version),
    releaseCounter: version,
    artifact: { sha256, size: bytes.length, url: `http://127.0.0.1:1/artifacts/${sha256}` },
    io: { inputs: [{ name: 'x', type: 'float32', shape: ['N'] }], outputs: [{ name: 'y', type: 'float32', shape: [1] }] },
    compat: { opset: 19 },
    probe,
  });
}

function deferred<T = void>() {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A hub request that never answers; it ends only when the download gives up on it. */
const neverAnswers = (asked: () => void): HubFetch => (_url, init) => {
  asked();
  return new Promise<Response>((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason), { once: true }));
};

describe('loadGuarded: the sandbox check before a model is opened', { timeout: 60_000 }, () => {
  let root: string;
  let agents = 0;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'edgefleet-sandbox-check-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** One agent's step context: its own data directory, hub client and signal. */
  async function agentContext(fetch: HubFetch, signal: AbortSignal, sandboxPassed?: (dir: string) => SandboxPassed) {
    const dataDir = join(root, `agent-${++agents}`);
    const files = new ModelFiles(dataDir);
    await files.ensureDirs();
    const passedMessages: string[] = [];
    const log = () => undefined;
    const ctx: GuardContext = {
      files,
      options: resolveOptions({ hubUrl: 'http://127.0.0.1:1', deviceId: `dev-${agents}`, deviceSecret: 'secret', dataDir, modelMemoryMb: MEMORY_MB, probeTimeoutMs: 30_000 }),
      authorization: 'Basic x',
      fetch,
      logger: { debug: log, warn: log, error: log, info: (message) => void (message === 'model passed the sandbox' && passedMessages.push(message)) },
      sandboxPassed: sandboxPassed?.(dataDir) ?? new SandboxPassed(dataDir),
      signal,
    };
    return { ctx, files, passedMessages };
  }

  it("an agent superseded while its probe blob downloads fails alone: another agent's check of the same model goes on", async () => {
    const bytes = outerProductModel(1);
    const blob = probeBlobBytes(probeOfLength(2));
    const ref = { sha256: sha256Of(blob), size: blob.length, tolerance: probeOfLength(2).tolerance };
    const release = releaseOf(bytes, 2, ref);

    // Agent A has no copy of the blob and its hub never answers.
    const aFetched = deferred();
    const superseded = new AbortController();
    const a = await agentContext(neverAnswers(aFetched.resolve), superseded.signal);
    const aLoad = loadGuarded(bytes, release, a.ctx).then(
      () => expect.unreachable('agent A was superseded'),
      (error: unknown) => error,
    );
    await aFetched.promise;

    // Agent B has the blob cached; it is told when it learned that the model is new to it.
    const bAsked = deferred();
    class Watched extends SandboxPassed {
      override async has(sha256: string, memoryMb: number, probe: string): Promise<boolean> {
        const passed = await super.has(sha256, memoryMb, probe);
        bAsked.resolve();
        return passed;
      }
    }
    const b = await agentContext(neverAnswers(() => expect.unreachable('agent B has the blob')), new AbortController().signal, (dir) => new Watched(dir));
    await writeFile(b.files.probePath(ref.sha256), blob);
    const bLoad = loadGuarded(bytes, release, b.ctx);
    await bAsked.promise;
    // B's continuation after the answer runs (it joins a check under way, if it joins one at all).
    await new Promise<void>((resolve) => setImmediate(resolve));
    superseded.abort(new AgentError('E_LOAD_FAILED', 'superseded by a newer doc', { transient: true }));

    expect(await aLoad).toMatchObject({ transient: true });
    const model = await bLoad;
    expect(b.passedMessages).toHaveLength(1);
    await model.retire();
  });

  it('a pass counts for its probe: the same bytes with a heavier probe go through the sandbox again', async () => {
    const bytes = outerProductModel(2);
    const agent = await agentContext(neverAnswers(() => expect.unreachable('inline probes only')), new AbortController().signal);
    const light = await loadGuarded(bytes, releaseOf(bytes, 2, probeOfLength(2)), agent.ctx);
    await light.retire();
    expect(agent.passedMessages).toHaveLength(1);
    // The same release again: remembered, no second child.
    await (await loadGuarded(bytes, releaseOf(bytes, 2, probeOfLength(2)), agent.ctx)).retire();
    expect(agent.passedMessages).toHaveLength(1);

    // 12,000 x 12,000 floats (576 MB) is more than the device lets a model have (256 MiB).
    const heavy = await loadGuarded(bytes, releaseOf(bytes, 3, probeOfLength(12_000)), agent.ctx).then(
      async (model) => (await model.retire(), null),
      (error: unknown) => error,
    );
    expect(heavy).toBeInstanceOf(AgentError);
    expect(heavy).toMatchObject({ code: 'E_PROBE_FAILED', message: expect.stringContaining('memory') });
    expect(agent.passedMessages).toHaveLength(1);
  });
});
