/**
 * Uploads that attack the hub's memory or files (issue 16, items 2 and 7), on a real hub whose
 * model sandbox allows 512 MiB: the outside review's 299-byte ConstantOfShape of 805M floats is
 * refused by the scan before anything runs; the same allocation computed at run time is stopped
 * in the sandbox child (the rlimit refuses it, the child is ended) while the hub keeps serving;
 * external data is refused with its own code; a model slower than the deadline is stopped. Each
 * refusal is 422 with a typed code, and nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hub } from '../src/index';
import { hubOptionsFromEnv } from '../src/config';
import { BOMB_ELEMENTS, computedShapeBomb, constantOfShapeBomb, externalDataModel, slowModel } from '../../test/fixtures/hostile-models';
import { SILERO_PROBE, SILERO_V5, api, makeTempDir, testHub, type TempDir } from './support';

interface ErrorReply {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

const LIMIT_MB = 512;
const MIB = 1024 * 1024;

/** The hub's sandbox children (this process's children running child.mjs) and their resident memory. */
async function sandboxChildren(): Promise<Array<{ pid: number; rssBytes: number }>> {
  const found: Array<{ pid: number; rssBytes: number }> = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const [cmdline, status] = await Promise.all([readFile(`/proc/${entry}/cmdline`, 'utf8'), readFile(`/proc/${entry}/status`, 'utf8')]);
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      if (ppid !== process.pid || !cmdline.includes('model-sandbox/child.mjs')) continue;
      found.push({ pid: Number(entry), rssBytes: Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024 });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('model memory and external data at upload', () => {
  let dir: TempDir;
  let hub: Hub;
  beforeAll(async () => {
    dir = await makeTempDir();
    hub = await testHub(dir.path, { modelMemoryLimitMb: LIMIT_MB });
  });
  afterAll(async () => {
    await hub?.close();
    await dir?.remove();
  });

  async function refusedAndNothingStored(model: string, bytes: Uint8Array): Promise<ErrorReply['error']> {
    const artifactsBefore = await readdir(join(dir.path, 'artifacts'));
    const reply = await api<ErrorReply>(hub, 'POST', `/api/v1/models/${model}/versions`, { bytes });
    expect(reply.status).toBe(422);
    expect((await api(hub, 'GET', `/api/v1/models/${model}/versions/1`)).status).toBe(404);
    expect(await readdir(join(dir.path, 'artifacts'))).toEqual(artifactsBefore);
    expect(await readdir(join(dir.path, 'tmp'))).toEqual([]);
    return reply.body.error;
  }

  it("refuses the outside review's ConstantOfShape of 805M floats before anything runs: 422 E_MODEL_RESOURCES naming the node, its size and the limit", async () => {
    const bomb = constantOfShapeBomb();
    expect(bomb.length).toBeLessThan(400);
    const error = await refusedAndNothingStored('bomb', bomb);
    expect(error.code).toBe('E_MODEL_RESOURCES');
    expect(error.message).toBe(
      `the model needs more memory than the hub allows models (${LIMIT_MB} MiB, EDGEFLEET_MODEL_MEMORY_LIMIT_MB): ConstantOfShape node 'ConstantOfShape_node' makes ${BOMB_ELEMENTS} elements (3071 MiB)`,
    );
    expect(error.details).toMatchObject({ limitMb: LIMIT_MB, stage: 'scan', opType: 'ConstantOfShape', bytes: BOMB_ELEMENTS * 4 });
  });

  it('stops the same allocation computed at run time in the sandbox child, which ends; the hub keeps taking uploads', async () => {
    const error = await refusedAndNothingStored('computed-bomb', computedShapeBomb());
    expect(error.code).toBe('E_MODEL_RESOURCES');
    // onnxruntime asked for the 3.2 GB under the child's data-segment limit and was refused.
    expect(error.message).toMatch(new RegExp(`^the model needs more memory than the hub allows models \\(${LIMIT_MB} MiB, EDGEFLEET_MODEL_MEMORY_LIMIT_MB\\) to (load|run): onnxruntime could not allocate ${BOMB_ELEMENTS * 4} bytes$`));
    expect(error.details).toMatchObject({ limitMb: LIMIT_MB });
    // The child that tried is gone; whatever sandbox children remain stayed under the limit.
    for (const child of await sandboxChildren()) expect(child.rssBytes).toBeLessThan(LIMIT_MB * MIB);

    const silero = new Uint8Array(await readFile(SILERO_V5));
    const good = await api<{ version: string }>(hub, 'POST', `/api/v1/models/vad/versions?probe=${SILERO_PROBE}`, { bytes: silero });
    expect(good.status).toBe(201);
    // A second upload takes the child the first one gave back.
    const again = await api<{ version: string }>(hub, 'POST', `/api/v1/models/vad/versions?probe=${SILERO_PROBE}`, { bytes: silero });
    expect(again.status).toBe(201);
    expect((await sandboxChildren()).length).toBeLessThanOrEqual(2);
  });

  it('refuses external data with 422 E_EXTERNAL_DATA, in an initializer or a Constant node', async () => {
    const initializer = await refusedAndNothingStored('external', externalDataModel());
    expect(initializer.code).toBe('E_EXTERNAL_DATA');
    expect(initializer.message).toMatch(/^the model refers to external data: initializer 'w' keeps its data in an external file; edgefleet stores and ships one self-contained \.onnx file/);
    expect(initializer.details).toEqual({ tensor: 'w', where: 'initializer' });
    const constant = await refusedAndNothingStored('external-constant', externalDataModel('constant'));
    expect(constant.code).toBe('E_EXTERNAL_DATA');
    expect(constant.details).toEqual({ tensor: 'w', where: 'attribute of a Constant' });
  });

  it('stops a model slower than EDGEFLEET_MODEL_TIMEOUT_S: 422 E_MODEL_RESOURCES', { timeout: 120_000 }, async () => {
    // Its own hub: the deadline is the sandbox's, for the whole process, so this runs last.
    const slowDir = await makeTempDir();
    const slowHub = await testHub(slowDir.path, { modelMemoryLimitMb: LIMIT_MB, modelTimeoutS: 1 });
    try {
      const reply = await api<ErrorReply>(slowHub, 'POST', '/api/v1/models/slow/versions', { bytes: slowModel(400) });
      expect(reply.status).toBe(422);
      expect(reply.body.error.code).toBe('E_MODEL_RESOURCES');
      expect(reply.body.error.message).toMatch(/^the model did not (load|run) within 1 s \(EDGEFLEET_MODEL_TIMEOUT_S\)$/);
      expect((await api(slowHub, 'GET', '/api/v1/models/slow/versions/1')).status).toBe(404);
    } finally {
      await slowHub.close();
      await slowDir.remove();
    }
  });
});

describe('the model sandbox settings', () => {
  it('EDGEFLEET_MODEL_MEMORY_LIMIT_MB and EDGEFLEET_MODEL_TIMEOUT_S are read, bounded, and named when wrong', () => {
    expect(hubOptionsFromEnv({ EDGEFLEET_MODEL_MEMORY_LIMIT_MB: '1024', EDGEFLEET_MODEL_TIMEOUT_S: '30' })).toMatchObject({ modelMemoryLimitMb: 1024, modelTimeoutS: 30 });
    expect(hubOptionsFromEnv({})).not.toHaveProperty('modelMemoryLimitMb');
    expect(() => hubOptionsFromEnv({ EDGEFLEET_MODEL_MEMORY_LIMIT_MB: '100' })).toThrow(/^invalid hub configuration: EDGEFLEET_MODEL_MEMORY_LIMIT_MB: /);
    expect(() => hubOptionsFromEnv({ EDGEFLEET_MODEL_TIMEOUT_S: 'soon' })).toThrow(/^invalid hub configuration: EDGEFLEET_MODEL_TIMEOUT_S: /);
  });
});
