/**
 * The training pages in real Chromium against a real hub and a real CSV uploaded over the API:
 * a long run's epochs grow on its page and a confirmed cancel stops it; a run started from the
 * form (after the hub's validation error is shown as it is) finishes on its page without a
 * reload, with its loss per epoch, log and produced version; a grid search started from the form
 * shows its trials; and the two compare side by side with their differences marked.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { syntheticCsv } from '../../hub/test/training/synthetic';
import { api, startScenario, type Scenario } from '../support/harness';
import { expectAccessible, expectCleanPage, goTo, launchChromium, openConsole, saveScreenshot, signInWithToken } from '../support/browser';

interface Run {
  id: string;
  status: string;
  epochs: unknown[];
  trials: unknown[];
  metrics: Record<string, number> | null;
  resultVersion: { model: string; version: string } | null;
}

let scenario: Scenario;
let browser: Browser;
let dataset = '';
let blocker = '';

const MODEL = 'console-synth';
const runOf = async (id: string): Promise<Run> => (await api<Run>(scenario.hub, 'GET', `/api/v1/training-runs/${id}`)).body;
/** The run id in the page's address (#/training/<id>). */
const runIdIn = (page: Page): string => /#\/training\/([0-9a-f-]{36})$/.exec(page.url())?.[1] ?? '';
/** How the pages print a number (types.ts formatNumber): integers whole, others to 4 significant digits. */
const printed = (value: number): string => (Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4))));
const epochsPlotted = async (page: Page): Promise<number> => Number((await page.locator('figure[data-epochs]').getAttribute('data-epochs')) ?? '0');
const runState = (page: Page) => page.getByRole('region', { name: 'State' }).locator('.badge').first();

beforeAll(async () => {
  scenario = await startScenario({ consoleDir: inject('consoleDir') });
  browser = await launchChromium();
  const upload = await api<{ id: string }>(scenario.hub, 'POST', '/api/v1/datasets?name=synth', syntheticCsv(600), { contentType: 'text/csv' });
  expect(upload.status, JSON.stringify(upload.body)).toBe(201);
  dataset = upload.body.id;
  // A run that would train for long: its page shows its epochs growing, then the console cancels it.
  const long = await api<{ id: string }>(scenario.hub, 'POST', '/api/v1/training-runs', { dataset, target: 'y', task: 'classification', trainer: 'mlp', params: { hidden: [32], epochs: 10_000, patience: 0 }, register: false, model: 'long-run' });
  expect(long.status, JSON.stringify(long.body)).toBe(202);
  blocker = long.body.id;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await scenario?.close();
});

async function fillRunForm(page: Page, params: string): Promise<void> {
  const form = page.getByRole('region', { name: 'Start a run or a search' });
  await form.getByLabel('Dataset').selectOption(dataset);
  await form.getByLabel('Task').selectOption('classification');
  await form.getByLabel('Target column').selectOption('y');
  await form.getByLabel('Trainer').selectOption('mlp');
  await form.getByLabel('Params (JSON)').fill(params);
  await form.getByLabel('Model name').fill(MODEL);
}

describe('console training runs', () => {
  it('follows a run live, cancels one, starts a run and a search from the form, and compares them', { timeout: 90_000 }, async () => {
    const console = await openConsole(browser, scenario.hub.httpUrl);
    const { page } = console;
    await signInWithToken(page, scenario.hub.adminToken);
    // A marker the page keeps until it reloads: every step below happens without a reload.
    await page.evaluate(() => Object.assign(window, { noReload: true }));
    await goTo(page, 'Training', 'Training runs');

    // The long run: its epochs grow on its page, then a confirmed cancel stops it.
    await page.getByRole('link', { name: blocker.split('-')[0] }).click();
    await page.getByRole('heading', { level: 1, name: `Training run ${blocker.split('-')[0]}` }).waitFor();
    await expect.poll(() => epochsPlotted(page), { timeout: 20_000 }).toBeGreaterThan(0);
    const seen = await epochsPlotted(page);
    await expect.poll(() => epochsPlotted(page), { timeout: 10_000 }).toBeGreaterThan(seen);
    expect(await runState(page).textContent()).toBe('running');
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Yes, cancel run' }).click();
    await expect.poll(() => runState(page).textContent(), { timeout: 10_000 }).toBe('cancelled');
    await expect.poll(() => page.getByRole('log').textContent(), { timeout: 10_000 }).toContain('run cancelled');
    expect((await runOf(blocker)).status).toBe('cancelled');
    await expect.poll(() => page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);

    // The form: the hub's validation error is shown as it is, with the field marked.
    await page.getByRole('link', { name: 'All training runs' }).click();
    await page.getByRole('heading', { level: 1, name: 'Training runs' }).waitFor();
    await fillRunForm(page, '{"hidden": [8], "speed": 3}');
    await page.getByRole('button', { name: 'Start run' }).click();
    const formError = page.getByRole('region', { name: 'Start a run or a search' }).getByRole('alert');
    await expect.poll(() => formError.textContent()).toBe('E_VALIDATION: params.speed: not a param of trainer "mlp"');
    expect(await page.getByLabel('Params (JSON)').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page);

    // A run from the form, watched to the end on its page.
    await page.getByLabel('Params (JSON)').fill('{"hidden": [8], "epochs": 6, "patience": 0}');
    // Enter in a field submits the form (keyboard use).
    await page.getByLabel('Model name').press('Enter');
    await page.getByRole('heading', { level: 1, name: /^Training run [0-9a-f]{8}$/ }).waitFor();
    const first = runIdIn(page);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    await expect.poll(() => runState(page).textContent(), { timeout: 40_000 }).toBe('succeeded');
    const firstRun = await runOf(first);
    expect(firstRun.resultVersion).toEqual({ model: MODEL, version: '1' });
    const versionLink = page.getByRole('link', { name: `${MODEL}@1` });
    await versionLink.waitFor();
    expect(await versionLink.getAttribute('href')).toBe(`#/models/${MODEL}/1`);
    expect(await epochsPlotted(page)).toBe(6);
    expect(firstRun.epochs).toHaveLength(6);
    const numbers = page.getByRole('region', { name: 'Loss per epoch, as numbers' });
    expect(await numbers.locator('tbody tr').count()).toBe(6);
    const apiEpochs = firstRun.epochs as Array<{ epoch: number; loss: number }>;
    expect(await numbers.locator('tbody tr').first().locator('td').allTextContents()).toEqual(expect.arrayContaining([String(apiEpochs[0]?.epoch), printed(apiEpochs[0]?.loss ?? NaN)]));
    await expect.poll(() => page.getByRole('log').textContent(), { timeout: 10_000 }).toContain(`run succeeded: registered ${MODEL}@1`);
    expect(await page.getByRole('log').textContent()).toContain('queued: mlp classification of "y"');
    await expectAccessible(page);
    await saveScreenshot(page, 'training-run');

    // A grid search from the form: two trials, each with its epochs.
    await goTo(page, 'Training', 'Training runs');
    await fillRunForm(page, '{"hidden": [8], "epochs": 4, "patience": 0}');
    await page.getByLabel('Search hyperparameters', { exact: false }).check();
    await page.getByLabel('Space (JSON)').fill('{"lr": [0.01, 0.003]}');
    await page.getByRole('button', { name: 'Start search' }).click();
    await page.getByRole('heading', { level: 1, name: /^Training run [0-9a-f]{8}$/ }).waitFor();
    const second = runIdIn(page);
    expect(second).not.toBe(first);
    await expect.poll(() => runState(page).textContent(), { timeout: 40_000 }).toBe('succeeded');
    const secondRun = await runOf(second);
    expect(secondRun.trials).toHaveLength(2);
    await page.getByText('2 of 2 done').waitFor();
    expect(await page.getByRole('region', { name: 'Trials' }).locator('tbody tr').count()).toBe(2);
    expect(await epochsPlotted(page)).toBe(secondRun.epochs.length);
    await page.getByRole('link', { name: `${MODEL}@2` }).waitFor();
    await expectAccessible(page);

    // The list: both runs, their versions; pick them and compare.
    await goTo(page, 'Training', 'Training runs');
    const table = page.getByRole('table', { name: 'Training runs' });
    await table.getByRole('link', { name: `${MODEL}@2` }).waitFor();
    expect(await table.locator('tbody tr').count()).toBe(3);
    expect(await table.getByText('cancelled').count()).toBe(1);
    await expectAccessible(page);
    await saveScreenshot(page, 'training-runs');
    await page.getByLabel(`Compare run ${first.split('-')[0]}`).check();
    await page.getByLabel(`Compare run ${second.split('-')[0]}`).check();
    await page.getByRole('button', { name: 'Compare (2)' }).click();
    await page.getByRole('heading', { level: 1, name: 'Compare training runs' }).waitFor();
    expect(page.url()).toContain(`#/training/compare?ids=${first},${second}`);

    const compare = page.getByRole('table');
    const rowOf = (label: string) => compare.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${label}\\s*(differs)?$`) }) });
    await rowOf('epochs').waitFor();
    expect(await rowOf('epochs').getByRole('cell').allTextContents()).toEqual(['6', '4']);
    expect(await rowOf('epochs').getByRole('rowheader').textContent()).toBe('epochsdiffers');
    expect(await rowOf('hidden').getByRole('rowheader').textContent()).toBe('hidden');
    expect(await rowOf('Search').getByRole('rowheader').textContent()).toBe('Searchdiffers');
    expect(await rowOf('Version produced').getByRole('cell').allTextContents()).toEqual([`${MODEL}@1`, `${MODEL}@2`]);
    const accuracy = [firstRun.metrics?.['accuracy'] ?? NaN, secondRun.metrics?.['accuracy'] ?? NaN];
    const cells = await rowOf('accuracy').first().getByRole('cell').allTextContents();
    cells.forEach((text, i) => expect(text).toContain(printed(accuracy[i] ?? NaN)));
    if (accuracy[0] !== accuracy[1]) {
      const best = (accuracy[0] ?? 0) > (accuracy[1] ?? 0) ? 0 : 1;
      expect(cells[best]).toContain('best');
      expect(cells[1 - best]).not.toContain('best');
    }
    // Only the rows that differ.
    await page.getByLabel('Show only the rows that differ').check();
    await expect.poll(() => rowOf('hidden').count()).toBe(0);
    expect(await rowOf('epochs').count()).toBe(1);
    await expectAccessible(page);
    await saveScreenshot(page, 'training-compare');

    expect(await page.evaluate(() => (window as unknown as { noReload?: boolean }).noReload)).toBe(true);
    // The form's refused request is the one error Chromium logs.
    expectCleanPage(console, [/status of 400 \(Bad Request\)/]);
    await console.close();
  });
});
