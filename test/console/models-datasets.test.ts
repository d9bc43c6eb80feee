/**
 * The console's models and datasets pages in real Chromium against a real hub: a real CSV (the
 * Suthaharan sensor readings) uploaded through the page's file input shows its exploration
 * summary, a histogram per column and the class balance of its label; a real ONNX model (Silero
 * VAD v5, with its probe shapes) uploaded through the page appears in the list; quantizing it
 * from its page makes a new version shown with its size beside its source. Every number checked
 * is the API's.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { mnistCsv, sensorCsv } from '../fixtures/datasets';
import { SILERO_PROBE_HINT } from '../fixtures/silero';
import { api, models, startScenario, uploadModel, type Scenario } from '../support/harness';
import { expectAccessible, expectCleanPage, goTo, launchChromium, openConsole, saveScreenshot, signInWithToken, type ConsolePage } from '../support/browser';

let scenario: Scenario;
let browser: Browser;
let console: ConsolePage;
let page: Page;

interface DatasetReply {
  id: string;
  name: string;
  rows: number;
  columns: Array<{ name: string; kind: string }>;
  summary: {
    columns: Array<{ name: string; kind: string; count: number }>;
    target?: { name: string; classBalance?: Array<{ value: string; count: number }> };
  };
}
interface VersionReply {
  size: number;
  sha256: string;
  manifest: { quantization: string; lineage: { parent?: string } };
}

/** The texts of a table's body rows, cell by cell (header cells included). */
async function tableRows(page: Page, name: string): Promise<string[][]> {
  return page.getByRole('table', { name, exact: true }).locator('tbody tr').evaluateAll((rows) => rows.map((row) => Array.from(row.querySelectorAll('th, td'), (cell) => (cell.textContent ?? '').trim())));
}

const ratio = (part: number, whole: number): string => `${(part / whole).toFixed(2)}×`;

beforeAll(async () => {
  scenario = await startScenario({ consoleDir: inject('consoleDir') });
  browser = await launchChromium();
  console = await openConsole(browser, scenario.hub.httpUrl);
  page = console.page;
  await signInWithToken(page, scenario.hub.adminToken);
}, 60_000);

afterAll(async () => {
  await console?.close();
  await browser?.close();
  await scenario?.close();
});

describe('console models and datasets', () => {
  it('uploads a CSV through the page and shows its summary: a histogram per column and the class balance', async () => {
    await goTo(page, 'Datasets');
    await page.getByText('No dataset yet').waitFor();
    await expectAccessible(page);

    await page.getByLabel('CSV file').setInputFiles({ name: 'sensor-readings.csv', mimeType: 'text/csv', buffer: Buffer.from(sensorCsv()) });
    // the name starts as the file's
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('sensor-readings');
    await page.getByRole('button', { name: 'Upload' }).click();
    const stored = page.getByRole('status').filter({ hasText: 'Stored' });
    await stored.waitFor({ timeout: 30_000 });

    const list = await api<{ datasets: Array<{ id: string; name: string; rows: number }> }>(scenario.hub, 'GET', '/api/v1/datasets');
    const uploaded = list.body.datasets.find((dataset) => dataset.name === 'sensor-readings');
    expect(uploaded).toBeDefined();
    const id = uploaded?.id ?? '';
    // the list shows it (reloaded after the upload), with the API's row count
    const row = page.getByRole('table', { name: 'Datasets' }).getByRole('row').filter({ hasText: 'sensor-readings' });
    await row.waitFor();
    expect(await row.textContent()).toContain((uploaded?.rows ?? 0).toLocaleString('en-US'));
    // live: a dataset uploaded elsewhere (the API) appears without a reload
    expect((await api(scenario.hub, 'POST', '/api/v1/datasets?name=mnist-digits', mnistCsv(3), { contentType: 'text/csv' })).status).toBe(201);
    await page.getByRole('table', { name: 'Datasets' }).getByRole('link', { name: 'mnist-digits' }).waitFor();
    await expectAccessible(page);
    await saveScreenshot(page, 'datasets');

    await stored.getByRole('link', { name: 'sensor-readings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dataset sensor-readings' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Class balance of label' }).waitFor();
    expect(await page.getByLabel('Explore against target').inputValue()).toBe('label');

    const detail = (await api<DatasetReply>(scenario.hub, 'GET', `/api/v1/datasets/${id}?target=label`)).body;
    // the class balance table holds the API's classes and counts
    const classes = await tableRows(page, 'Classes of label');
    expect(classes.map(([value, count]) => [value, count])).toEqual((detail.summary.target?.classBalance ?? []).map((entry) => [entry.value, entry.count.toLocaleString('en-US')]));
    expect(classes.length).toBe(2);
    await page.getByRole('img', { name: /^Class balance of label: / }).waitFor();

    // one chart per column, named after it, and the statistics table lists every column
    expect(detail.summary.columns.length).toBe(6);
    for (const column of detail.summary.columns) {
      const name = column.kind === 'numeric' ? `Histogram of ${column.name} in` : `Most frequent categories of ${column.name}`;
      await expect.poll(() => page.getByRole('img', { name: new RegExp(`^${name}`) }).count()).toBe(1);
    }
    const stats = await tableRows(page, 'Column statistics');
    expect(stats.map((cells) => cells[0])).toEqual(detail.summary.columns.map((column) => column.name));
    // a chart's numbers add up to the column's present values
    const humidity = detail.summary.columns.find((column) => column.name === 'humidity');
    const card = page.getByRole('article', { name: /humidity/ });
    await card.getByText('The numbers').click();
    const bins = await card.locator('tbody tr td.num').allTextContents();
    expect(bins.length).toBe(20);
    expect(bins.reduce((sum, text) => sum + Number(text.replace(/,/g, '')), 0)).toBe(humidity?.count);
    await expectAccessible(page);
    await saveScreenshot(page, 'dataset');

    // exploring against no target drops the class balance, from the API's answer
    await page.getByLabel('Explore against target').selectOption('');
    await page.getByRole('table', { name: 'Column statistics' }).waitFor();
    await expect.poll(() => page.getByRole('heading', { name: /Class balance/ }).count()).toBe(0);

    // a wide dataset (785 columns) is shown a page of columns at a time
    await goTo(page, 'Datasets');
    await page.getByRole('table', { name: 'Datasets' }).getByRole('link', { name: 'mnist-digits' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dataset mnist-digits' }).waitFor();
    const pager = page.getByRole('group', { name: 'Column pages' });
    await pager.getByText('1–12 of 785').waitFor();
    await pager.getByRole('button', { name: 'Next columns' }).click();
    await pager.getByText('13–24 of 785').waitFor();
    await page.getByRole('img', { name: /^Histogram of p12 in/ }).waitFor();
    expect(await page.getByRole('img', { name: /^Histogram of / }).count()).toBe(12);
    await expectAccessible(page);
    expectCleanPage(console);
  }, 90_000);

  it('uploads an ONNX model through the page, quantizes it there and shows the new version beside its source', async () => {
    await goTo(page, 'Models');
    await page.getByText('No model yet').waitFor();
    await expectAccessible(page);

    const onnx = await readFile(models.sileroV5);
    const form = page.getByRole('region', { name: 'Upload a model' });
    await form.getByLabel('Model name').fill('vad');
    await form.getByLabel('Version label (optional)').fill('1');
    await form.getByLabel('ONNX file').setInputFiles({ name: 'silero_vad_v5.onnx', mimeType: 'application/octet-stream', buffer: onnx });
    await form.getByLabel('Probe inputs (optional JSON)').fill(JSON.stringify(SILERO_PROBE_HINT));
    await form.getByRole('button', { name: 'Upload' }).click();
    const stored = form.getByRole('status').filter({ hasText: 'Stored vad@1' });
    await stored.waitFor({ timeout: 60_000 });

    const version1 = (await api<VersionReply>(scenario.hub, 'GET', '/api/v1/models/vad/versions/1')).body;
    expect(version1.size).toBe(onnx.length);
    const list = page.getByRole('table', { name: 'Model versions' });
    const row = list.getByRole('row').filter({ has: page.getByRole('link', { name: '1', exact: true }) });
    await row.waitFor();
    expect(await row.textContent()).toContain(version1.sha256.slice(0, 12));
    expect(await list.getByRole('rowheader', { name: 'vad', exact: true }).count()).toBe(1);

    // the same label again: the API's refusal, as it is
    await form.getByRole('button', { name: 'Upload' }).click();
    await expect.poll(() => form.getByRole('alert').textContent(), { timeout: 30_000 }).toMatch(/^E_CONFLICT: vad@1 already exists/);
    // live: a version uploaded elsewhere (the API) appears without a reload
    await uploadModel(scenario.hub, 'vad-v6', models.sileroV6, '1');
    await list.getByRole('rowheader', { name: 'vad-v6' }).waitFor();
    await expectAccessible(page);
    await saveScreenshot(page, 'models');

    await list.locator('tbody').filter({ has: page.getByRole('rowheader', { name: 'vad', exact: true }) }).getByRole('link', { name: '1', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'vad@1' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Quantize' }).waitFor();
    await page.getByLabel('Method').selectOption('int8-weight-only');
    await page.getByLabel('New version label (optional)').fill('int8');
    // Enter submits the form
    await page.getByLabel('New version label (optional)').press('Enter');
    const quantized = page.getByRole('status').filter({ hasText: 'New version vad@int8' });
    await quantized.waitFor({ timeout: 120_000 });

    const int8 = (await api<VersionReply>(scenario.hub, 'GET', '/api/v1/models/vad/versions/int8')).body;
    expect(int8.manifest).toMatchObject({ quantization: 'int8-weight-only', lineage: { parent: 'vad@1' } });
    const outcome = await tableRows(page, 'The new version beside its source');
    expect(outcome[0]?.[3]).toBe(ratio(int8.size, version1.size));
    // the source's page lists what was made from it, with the size ratio
    const derived = page.getByRole('region', { name: 'Versions made from this one' });
    await derived.getByRole('link', { name: 'int8' }).waitFor();
    expect(await derived.textContent()).toContain(ratio(int8.size, version1.size));
    await expectAccessible(page);

    await quantized.getByRole('link', { name: 'vad@int8' }).click();
    await page.getByRole('heading', { level: 1, name: 'vad@int8' }).waitFor();
    const beside = page.getByRole('table', { name: 'vad@int8 beside vad@1' });
    await beside.waitFor();
    const size = (await tableRows(page, 'vad@int8 beside vad@1')).find((cells) => cells[0] === 'size');
    expect(size?.[3]).toBe(ratio(int8.size, version1.size));
    expect(int8.size / version1.size).toBeLessThan(0.5);
    await page.getByRole('region', { name: 'Quantization' }).getByText('int8-weight-only').waitFor();
    // a quantized version is not quantized again
    expect(await page.getByRole('heading', { name: 'Quantize' }).count()).toBe(0);
    // the parent link leads back
    expect(await page.getByRole('link', { name: 'vad@1' }).first().getAttribute('href')).toContain('/models/vad/1');
    await expectAccessible(page);
    await saveScreenshot(page, 'model-version');
    expectCleanPage(console, [/status of 409 \(Conflict\)/]);
  }, 180_000);
});
