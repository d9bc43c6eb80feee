/**
 * ISSUE 13 "Done when", first item, in real Chromium, every step through the console's pages: sign
 * in, upload a dataset, start a training run and watch it finish, quantize the version it made,
 * create a rollout of the quantized version to real agents (two rings already serving version 1),
 * watch it advance step by step without reloading, open the gate's report, roll back, and find
 * every one of those actions in the audit log. The rollout controller runs as its cron tick would
 * (POST /api/v1/jobs/rollout-controller/run), so each step is seen on the page as it happens.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MACHINE_TARGET } from '../../fleet-sim/src/demo/machine-data';
import { machineCsv } from '../fixtures/machine-data';
import { expectAccessible, expectCleanPage, goTo, launchChromium, openConsole, saveScreenshot, signInWithToken } from '../support/browser';
import { MODEL, RolloutFleet } from '../support/rollout-fleet';

declare global {
  interface Window {
    __marker?: string;
    /** every text the rollout page's step line showed, in order */
    __steps?: string[];
  }
}

const QUANTIZED = '2-int8';
/** Canary, its gate, the main ring, then an approval that holds the rollout for the rollback. */
const PLAN = {
  steps: [{ kind: 'ring', ring: 'canary' }, { kind: 'gate', metrics: [{ metric: 'install-success', min: 1 }], maxFailed: 0, maxInconclusive: 0, deadlineMinutes: 60 }, { kind: 'ring', ring: 'main' }, { kind: 'approve', note: 'hold here' }],
  autoRollback: true,
};

let fleet: RolloutFleet;
let browser: Browser;

beforeAll(async () => {
  [fleet, browser] = await Promise.all([
    RolloutFleet.start(
      'journey',
      [
        { name: 'canary', size: 1 },
        { name: 'main', size: 2 },
      ],
      { hub: { consoleDir: inject('consoleDir') } },
    ),
    launchChromium(),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.close();
});

const stepNow = (page: Page) => page.locator('#step-now');

/** Runs the controller as its cron tick would until the page shows `text` (device reports move it too). */
async function untilStepShown(page: Page, text: string): Promise<void> {
  await expect
    .poll(
      async () => {
        await fleet.tick();
        return stepNow(page).textContent();
      },
      { timeout: 30_000, interval: 300 },
    )
    .toContain(text);
}

describe('a fleet admin, from a dataset to a rolled-back rollout, in the console', { timeout: 240_000 }, () => {
  it('does it all from the pages and finds every action in the audit log', async () => {
    const console = await openConsole(browser, fleet.hub.httpUrl);
    const { page } = console;
    await signInWithToken(page, fleet.hub.adminToken);
    await page.evaluate(() => void (window.__marker = 'same document'));

    // 1. Upload a dataset.
    await goTo(page, 'Datasets');
    await page.getByLabel('CSV file').setInputFiles({ name: 'machines-fresh.csv', mimeType: 'text/csv', buffer: Buffer.from(machineCsv(3000, 7)) });
    await page.getByRole('button', { name: 'Upload' }).click();
    await page.getByRole('status').filter({ hasText: 'Stored' }).waitFor();
    const datasets = (await fleet.api<{ datasets: { id: string; name: string }[] }>('GET', '/api/v1/datasets')).body.datasets;
    const dataset = datasets.find((d) => d.name === 'machines-fresh');
    expect(dataset).toBeDefined();

    // 2. Start a training run and watch it finish.
    await goTo(page, 'Training', 'Training runs');
    const form = page.getByRole('region', { name: 'Start a run or a search' });
    await form.getByLabel('Dataset').selectOption(dataset?.id ?? '');
    await form.getByLabel('Task').selectOption('classification');
    await form.getByLabel('Target column').selectOption(MACHINE_TARGET);
    // An MLP with weights enough for int8 to pay off (the hub refuses a quantization that does not shrink the file).
    await form.getByLabel('Trainer').selectOption('mlp');
    await form.getByLabel('Params (JSON)').fill('{"hidden": [64], "epochs": 20}');
    await form.getByLabel('Model name').fill(MODEL);
    await form.getByRole('button', { name: 'Start run' }).click();
    await page.getByRole('heading', { level: 1, name: /^Training run / }).waitFor();
    const made = page.getByRole('link', { name: `${MODEL}@2` });
    await made.waitFor({ timeout: 90_000 });
    await expect.poll(() => page.getByRole('log').textContent(), { timeout: 10_000 }).toContain(`registered ${MODEL}@2`);

    // 3. Quantize the version it made.
    await made.click();
    await page.getByRole('heading', { level: 1, name: `${MODEL}@2` }).waitFor();
    await page.getByLabel('Method').selectOption('int8-dynamic');
    await page.getByLabel('New version label (optional)').fill(QUANTIZED);
    await page.getByRole('button', { name: 'Quantize' }).click();
    await page.getByRole('status').filter({ hasText: `New version ${MODEL}@${QUANTIZED}` }).waitFor({ timeout: 60_000 });

    // 4. Create a rollout of it to the real agents.
    await goTo(page, 'Rollouts');
    await page.getByRole('link', { name: 'New rollout' }).click();
    await page.getByRole('heading', { level: 1, name: 'New rollout' }).waitFor();
    await page.getByLabel('Model').selectOption(MODEL);
    await page.getByLabel('Version').selectOption(QUANTIZED);
    await page.getByText('Edit the plan as JSON').click();
    await page.getByLabel('Plan (JSON)').fill(JSON.stringify(PLAN, null, 2));
    await page.getByText(`The hub accepts this plan (${PLAN.steps.length} steps)`).waitFor();
    await page.getByRole('button', { name: 'Create rollout' }).click();
    await page.getByRole('heading', { level: 1, name: `Rollout of ${MODEL}@${QUANTIZED}` }).waitFor();
    const id = /#\/rollouts\/([^?]+)$/.exec(page.url())?.[1] ?? '';
    expect(id).not.toBe('');
    // Record what the step line shows as it changes, to see the steps go by in order.
    await stepNow(page).waitFor();
    await page.evaluate(() => {
      const line = document.getElementById('step-now');
      if (!line) return;
      window.__steps = [line.textContent ?? ''];
      new MutationObserver(() => window.__steps?.push(line.textContent ?? '')).observe(line, { subtree: true, childList: true, characterData: true });
    });

    // 5. Watch it advance step by step, on the same page.
    await fleet.serving(fleet.ring('canary'), QUANTIZED);
    await untilStepShown(page, 'Step 4 of 4: approve');
    await fleet.serving(fleet.ring('main'), QUANTIZED);
    const seen = ((await page.evaluate(() => window.__steps)) ?? []).map((text) => Number(/Step (\d) of 4/.exec(text)?.[1] ?? 0)).filter((step) => step > 0);
    expect(seen[0]).toBe(1);
    expect(seen.at(-1)).toBe(4);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    const steps = await fleet.audit(`rollout:${id}`);
    expect(steps.map((entry) => entry.action)).toEqual(expect.arrayContaining(['rollout.created', 'rollout.step.completed']));
    await expectAccessible(page);
    await saveScreenshot(page, 'journey-rollout');

    // 6. Open the gate's report.
    await page.getByRole('button', { name: 'Gate report for step 2' }).click();
    const report = page.getByRole('dialog', { name: 'Gate report for step 2' });
    await report.getByText('pass', { exact: true }).first().waitFor();
    expect(await report.getByRole('row').filter({ hasText: 'install-success' }).textContent()).toContain('1 of 1 installs serve');
    await report.getByRole('button', { name: 'Close' }).click();

    // 7. Roll back, with a confirmation.
    await page.getByRole('button', { name: 'Roll back', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Roll back every touched device?' });
    await confirm.getByLabel('Reason (kept in the audit log)').fill('journey: back to version 1');
    await confirm.getByRole('button', { name: 'Yes, roll back' }).click();
    await expect.poll(() => page.getByRole('list', { name: 'All devices of the rollout by status' }).textContent(), { timeout: 30_000 }).toMatch(/^reverted\s*3$/);
    await fleet.serving(fleet.devices, '1');
    expect(await page.evaluate(() => window.__marker)).toBe('same document');

    // 8. Every action is in the audit log, by the admin.
    await goTo(page, 'Audit log');
    for (const action of ['dataset.uploaded', 'training.run.created', 'model.version.trained', 'model.version.quantized', 'rollout.created', 'rollout.step.completed', 'rollout.rolled-back']) {
      await page.getByLabel('Action starts with').fill(action);
      await page.getByLabel('Action starts with').press('Enter');
      const rows = page.getByRole('table').locator('tbody tr').filter({ hasText: action });
      await expect.poll(() => rows.count(), { timeout: 10_000, message: action }).toBeGreaterThan(0);
    }
    await page.getByLabel('Action starts with').fill('rollout.rolled-back');
    await page.getByLabel('Action starts with').press('Enter');
    const rolledBack = page.getByRole('table').locator('tbody tr').filter({ hasText: 'rollout.rolled-back' }).first();
    expect(await rolledBack.textContent()).toContain('admin');
    expect(await page.evaluate(() => window.__marker)).toBe('same document');
    await goTo(page, 'Overview');
    await page.getByText('machine-health').first().waitFor();
    await saveScreenshot(page, 'journey-overview');
    expectCleanPage(console);
    await console.close();
  });
});
