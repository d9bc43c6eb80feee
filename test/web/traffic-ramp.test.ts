/**
 * Traffic ramp-up in the browser runtime, end to end in Debian's Chromium, as the agent does it:
 * a page pinned by the hub's API to digits@1 with its int8 twin as a shadow given a
 * `trafficShare` answers each keyed request from the version device-core's routeToCandidate
 * picks for that key (the same key always the same version), counts each version's answers in a
 * statistics window of its own that the hub receives, and offers nothing to shadow comparison;
 * a pin without the shadow has every answer come from the serving version again.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePredictionId } from '@edgefleet/protocol';
import type { EdgeDevice } from '@edgefleet/web-runtime';
import { routeToCandidate } from '../../device-core/src/predictions/traffic-split';
import { mnistCsv, mnistRows } from '../fixtures/datasets';
import { launchChromium } from '../support/browser';
import { WebFleet, type VersionView } from '../support/web-fleet';
import { openWebPage, type WebPage } from '../support/web-page';

/** One answer as it crossed the page boundary; `key` null: none given. */
interface Answer {
  key: string | null;
  version: string;
  idVersions: string[];
}

describe('browser traffic ramp-up', () => {
  let fleet: WebFleet;
  let browser: Browser;
  let page: WebPage;
  let v1: VersionView;
  let v2: VersionView;
  /** one 3 the model never saw, [1 x 784] */
  const pixels = mnistRows(3, 300, 1);
  /** the longest key allowed included */
  const keys = [...Array.from({ length: 16 }, (_, i) => `user-${i}`), 'k'.repeat(256)];
  const neverDrawn = (): number => {
    throw new Error('a request with a key is never drawn');
  };

  const assign = (body: Record<string, unknown>) => fleet.api('PUT', `/api/v1/devices/${page.device}/assignment`, body);

  /** Runs one [1 x 784] request per entry of `keys` (null: without a key) through the page's device, in order. */
  const predictAll = (requestKeys: Array<string | null>): Promise<Answer[]> =>
    page.page.evaluate(
      async ({ pixels, requestKeys }) => {
        const device = window.edgefleet as EdgeDevice;
        const answers: Array<{ key: string | null; version: string; ids: string[] }> = [];
        for (const key of requestKeys) {
          const answer = await device.predict({ numeric: { type: 'float32', dims: [1, 784], data: Float32Array.from(pixels) } }, key === null ? undefined : { key });
          answers.push({ key, version: answer.model.version, ids: [...answer.predictionIds] });
        }
        return answers;
      },
      { pixels, requestKeys },
    ).then((answers) => answers.map(({ key, version, ids }) => ({ key, version, idVersions: ids.map((id) => decodePredictionId(id).version) })));

  /** The code a refused predict threw in the page. */
  const refusal = (options: unknown): Promise<string> =>
    page.page.evaluate(
      async ({ pixels, options }) => {
        try {
          await (window.edgefleet as EdgeDevice).predict({ numeric: { type: 'float32', dims: [1, 784], data: Float32Array.from(pixels) } }, options as { key?: string });
          return 'answered';
        } catch (error) {
          return (error as { code?: string }).code ?? String(error);
        }
      },
      { pixels, options },
    );

  beforeAll(async () => {
    fleet = await WebFleet.start();
    const dataset = await fleet.api<{ id: string }>('POST', '/api/v1/datasets?name=digits', mnistCsv(20), { contentType: 'text/csv' });
    expect(dataset.status, JSON.stringify(dataset.body)).toBe(201);
    const run = await fleet.trained({ dataset: dataset.body.id, target: 'label', task: 'classification', trainer: 'mlp', params: { hidden: [16], epochs: 2 }, model: 'digits' });
    expect(run.resultVersion).toEqual({ model: 'digits', version: '1' });
    const quantized = await fleet.api<{ version: string }>('POST', '/api/v1/models/digits/versions/1/quantize', { mode: 'int8-dynamic' });
    expect(quantized.status, JSON.stringify(quantized.body)).toBe(201);
    v1 = await fleet.version('digits', '1');
    v2 = await fleet.version('digits', quantized.body.version);
    browser = await launchChromium();
    const token = await fleet.issueToken('web');
    page = await openWebPage(browser, fleet.hub.httpUrl, `/web#enrol=${token.token}`);
  }, 120_000);

  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await fleet?.close();
  });

  it('answers each key from the version routeToCandidate picks, always the same one, and counts each version in its own windows', async () => {
    const candidate = v2.manifest.version;
    const expected = new Map(keys.map((key) => [key, routeToCandidate(0.5, key, neverDrawn) ? candidate : '1']));
    // The keys exercise both ways, or the test proves nothing.
    expect(new Set(expected.values())).toEqual(new Set(['1', candidate]));

    expect((await assign({ model: 'digits', version: '1' })).status).toBe(200);
    await page.waitForStatus((s) => s.active?.version === '1' && s.phase === 'serving', 'serving digits@1', 30_000);
    expect((await assign({ model: 'digits', version: '1', shadow: { model: 'digits', version: candidate }, trafficShare: 0.5 })).status).toBe(200);
    // Running (loaded and probed) is when it starts answering its share.
    await page.waitForStatus((s) => s.shadow?.version === candidate, `shadow digits@${candidate} running`, 30_000);

    // Each key twice, then 30 without a key (drawn at random: both versions, but for 2 in 2^30).
    const answers = await predictAll([...keys, ...keys, ...Array.from({ length: 30 }, () => null)]);
    for (const answer of answers) expect(answer.idVersions).toEqual([answer.version]);
    const keyed = answers.filter((a) => a.key !== null);
    expect(keyed.map((a) => [a.key, a.version])).toEqual([...keys, ...keys].map((key) => [key, expected.get(key)]));
    expect(new Set(answers.filter((a) => a.key === null).map((a) => a.version))).toEqual(new Set(['1', candidate]));
    // The page's status says so, as the agent's GET /v1/status does.
    expect(await page.status()).toMatchObject({ active: { version: '1', sha256: v1.sha256 }, shadow: { version: candidate }, traffic: { candidate: { model: 'digits', version: candidate, sha256: v2.sha256 }, share: 0.5 }, error: null });

    // A key the agent would refuse is refused the same way (and answered by neither version).
    expect(await refusal({ key: '' })).toBe('E_SCHEMA');
    expect(await refusal({ key: 'k'.repeat(257) })).toBe('E_SCHEMA');
    expect(await refusal({ key: 7 })).toBe('E_SCHEMA');

    // One row per answer, in the windows of the version that gave it.
    const answeredBy = (version: string) => answers.filter((a) => a.version === version).length;
    await page.page.evaluate(() => window.edgefleet?.flushStats());
    const rowsFromPage = (version: string) => fleet.rowsOf('digits', version, `?device=${page.device}`);
    await expect.poll(() => rowsFromPage('1'), { timeout: 20_000, interval: 250 }).toBe(answeredBy('1'));
    await expect.poll(() => rowsFromPage(candidate), { timeout: 20_000, interval: 250 }).toBe(answeredBy(candidate));
    // Each request ran on one version only: nothing was offered for comparison.
    const shadow = await fleet.api<{ shadow: { n: number } | null }>('GET', `/api/v1/models/digits/versions/${candidate}/shadow?device=${page.device}`);
    expect(shadow.body.shadow?.n ?? 0).toBe(0);
  }, 90_000);

  it('a pin without the shadow has every answer come from the serving version again', async () => {
    expect((await assign({ model: 'digits', version: '1' })).status).toBe(200);
    const settled = await page.waitForStatus((s) => s.shadow === null, 'shadow unloaded', 30_000);
    expect(settled).toMatchObject({ active: { version: '1' }, traffic: null });
    const answers = await predictAll([...keys, null, null, null]);
    expect(answers.map((a) => a.version)).toEqual(answers.map(() => '1'));
    expect(page.pageErrors).toEqual([]);
  }, 60_000);
});
