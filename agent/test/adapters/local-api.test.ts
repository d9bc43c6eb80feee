import { describe, expect, it } from 'vitest';
import { createLocalApi } from '../../src/adapters/local-api';
import { LoadedModel } from '../../src/adapters/runtime';
import { parsePredictInputs } from '../../src/core/predict-request';
import { AgentError } from '../../src/errors';
import type { LocalStatus } from '../../src/hub-link';
import { sileroInputs, sileroRelease } from '../support/silero';

const status: LocalStatus = {
  device: 'dev-1',
  phase: 'serving',
  active: null,
  previous: null,
  shadow: null,
  seq: 3,
  error: null,
  hub: { state: 'offline', credentialsRejected: false, since: new Date(0).toISOString(), lastError: { code: 'E_DOWNLOAD_FAILED', message: 'ECONNREFUSED', at: new Date(0).toISOString() } },
};

async function appWithModel(model: LoadedModel | null) {
  return createLocalApi({
    status: () => status,
    model: async () => {
      throw new AgentError('E_NO_MODEL', 'no model is serving yet');
    },
    predict: async (body) => {
      if (!model) throw new AgentError('E_NO_MODEL', 'no model is serving yet');
      const outputs = await model.run(parsePredictInputs(body, model.release.io.inputs));
      return { model: model.release.model, version: model.release.version, outputs, predictionIds: [] };
    },
  });
}

const post = (body: string) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('local API', () => {
  it('GET /healthz and /v1/status', async () => {
    const app = await appWithModel(null);
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
    expect(await (await app.request('/v1/status')).json()).toEqual(status);
  });

  it('503 E_NO_MODEL before any model serves', async () => {
    const res = await (await appWithModel(null)).request('/v1/predict', post(JSON.stringify({ inputs: sileroInputs() })));
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'E_NO_MODEL' } });
  });

  it('predicts with the serving model, and rejects bad requests with a code naming the field', async () => {
    const { bytes, manifest } = await sileroRelease();
    const model = await LoadedModel.load(bytes, manifest);
    const app = await appWithModel(model);

    const ok = await app.request('/v1/predict', post(JSON.stringify({ inputs: sileroInputs() })));
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { model: string; version: string; outputs: Record<string, { dims: number[] }> };
    expect(body).toMatchObject({ model: 'vad', version: '1' });
    expect(body.outputs.output?.dims).toEqual([1, 1]);

    const cases: Array<[string, string, string]> = [
      ['{"inputs": ', 'E_BAD_JSON', 'JSON'],
      [JSON.stringify({ inputs: { ...sileroInputs(), bogus: { type: 'float32', dims: [1], data: [1] } } }), 'E_SCHEMA', 'inputs.bogus'],
      [JSON.stringify({ inputs: { input: sileroInputs().input } }), 'E_SCHEMA', 'inputs.state'],
      [JSON.stringify({ inputs: { ...sileroInputs(), sr: { type: 'float32', dims: [], data: [16000] } } }), 'E_SCHEMA', 'inputs.sr.type'],
      [JSON.stringify({ inputs: { ...sileroInputs(), input: { type: 'float32', dims: [1, 512], data: [1, 2] } } }), 'E_SCHEMA', 'inputs.input'],
      [JSON.stringify({ inputs: { ...sileroInputs(), input: { type: 'float32', dims: [1, 512], data: 'x' } } }), 'E_SCHEMA', 'inputs.input.data'],
      [JSON.stringify({ input: {} }), 'E_SCHEMA', 'inputs'],
      [JSON.stringify({ inputs: { ...sileroInputs(), input: { type: 'float32', dims: [1, 512], data: [...new Array<number>(511).fill(0), 'x'] } } }), 'E_SCHEMA', 'inputs.input.data[511]'],
      [JSON.stringify({ inputs: { ...sileroInputs(), sr: { type: 'int64', dims: [], data: [1.5] } } }), 'E_SCHEMA', 'inputs.sr.data[0]'],
      [JSON.stringify({ inputs: { ...sileroInputs(), state: { type: 'float32', dims: [2, 1, 128, 1, 1, 1, 1, 1, 1], data: [] } } }), 'E_SCHEMA', 'inputs.state.dims'],
    ];
    for (const [raw, code, field] of cases) {
      const res = await app.request('/v1/predict', post(raw));
      expect(res.status, raw.slice(0, 60)).toBe(400);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe(code);
      expect(error.message).toContain(field);
    }
    await model.retire();
  });
});
