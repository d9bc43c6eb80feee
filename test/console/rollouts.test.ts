/**
 * The rollouts pages in real Chromium against a real hub and eight real agents in three rings
 * (canary 2, early 3, broad 3), all serving version 1 of the machine-health classifier trained
 * through the API: a rollout of version 2 is created from the page, starting from the default
 * plan; a value the hub refuses brings the hub's own message beside its field before anything is
 * submitted; the plan is then replaced as JSON and created. The rollout's page follows it step by
 * step without reloading (the same document throughout) as the canary installs, the bake ends on
 * the shared test clock, the gate first waits for data, then passes on the statistics the agents
 * send, and the early ring installs; the gate's report shows its verdict and evidence; a
 * confirmed rollback sends every touched device back to version 1.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MODEL, RolloutFleet } from '../support/rollout-fleet';
import type { RolloutView } from '../support/rollout-views';
import { expectAccessible, expectCleanPage, goTo, launchChromium, openConsole, saveScreenshot, signInWithToken } from '../support/browser';
import { machineCsv } from '../fixtures/machine-data';

declare global {
  interface Window {
    __marker?: string;
  }
}

const GATE = { kind: 'gate', metrics: [{ metric: 'install-success', min: 1 }, { metric: 'error-rate', max: 0.05, minSamples: 10 }], maxFailed: 0, maxInconclusive: 0, deadlineMinutes: 120 };
const PLAN = {
  steps: [{ kind: 'ring', ring: 'canary' }, { kind: 'bake', minutes: 30, minReporting: 0 }, GATE, { kind: 'ring', ring: 'early' }, { kind: 'approve', note: 'look at the early ring first' }, { kind: 'ring', ring: '*' }],
  autoRollback: true,
};

let fleet: RolloutFleet;
let browser: Browser;

beforeAll(async () => {
  [fleet, browser] = await Promise.all([
    RolloutFleet.start(
      'cr',
      [
        { name: 'canary', size: 2 },
        { name: 'early', size: 3 },
        { name: 'broad', size: 3 },
      ],
      { train: { '2': machineCsv(3000, 2) }, hub: { consoleDir: inject('consoleDir') } },
    ),
    launchChromium(),
  ]);
  // Gates read the hours from the rollout's first on: start it in a fresh one.
  await fleet.startNewHour();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.close();
});

const stepNow = (page: Page) => page.locator('#step-now');
const untilStepShown = (page: Page, text: string) => expect.poll(() => stepNow(page).textContent(), { timeout: 20_000 }).toContain(text);

describe('console rollouts', { timeout: 120_000 }, () => {
  it('creates a rollout from the page, follows it step by step, shows a gate report, and rolls it back', async () => {
    const console = await openConsole(browser, fleet.hub.httpUrl);
    const { page } = console;
    await signInWithToken(page, fleet.hub.adminToken);
    await goTo(page, 'Rollouts');
    await page.getByText('No rollout yet.').waitFor();

    // The create page starts from the default plan over the rings.
    await page.getByRole('link', { name: 'New rollout' }).click();
    await page.getByRole('heading', { level: 1, name: 'New rollout' }).waitFor();
    const defaults = (await fleet.api<{ plan: { steps: unknown[] } }>('GET', '/api/v1/rollouts/default-plan')).body.plan;
    await page.getByRole('group', { name: 'Step 1: ring' }).waitFor();
    expect(await page.locator('fieldset.plan-step').count()).toBe(defaults.steps.length);
    expect(await page.getByLabel('Model').inputValue()).toBe(MODEL);
    await page.getByLabel('Version').selectOption('2');
    await page.getByText(`The hub accepts this plan (${defaults.steps.length} steps)`).waitFor();

    // A value the hub refuses: its own message appears beside the field, nothing is submitted.
    const percent = page.getByRole('group', { name: 'Step 4: ring' }).getByLabel('Percent of its devices');
    await percent.fill('150');
    const refused = await fleet.api<{ error: { details: { path: string; message: string }[] } }>('POST', '/api/v1/rollouts/validate', {
      model: MODEL,
      version: '2',
      plan: { ...defaults, steps: defaults.steps.map((s, i) => (i === 3 ? { ...(s as object), percent: 150 } : s)) },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.map((d) => d.path)).toEqual(['plan.steps.3.percent']);
    const message = refused.body.error.details[0]?.message ?? '';
    await expect.poll(() => page.locator('#f-plan-steps-3-percent-errors').textContent(), { timeout: 10_000 }).toBe(message);
    expect(await percent.getAttribute('aria-invalid')).toBe('true');
    await page.getByText('The hub says:').waitFor();
    expect((await fleet.api<{ rollouts: unknown[] }>('GET', '/api/v1/rollouts')).body.rollouts).toEqual([]);
    await expectAccessible(page);
    await saveScreenshot(page, 'rollout-new');

    // Fixed, the message goes; then the plan for this fleet replaces it as JSON.
    await percent.fill('10');
    await page.getByText(`The hub accepts this plan (${defaults.steps.length} steps)`).waitFor();
    expect(await page.locator('#f-plan-steps-3-percent-errors').count()).toBe(0);
    // A ramp-up share must stay under 100%: the hub's word appears beside that field too.
    const traffic = page.getByRole('group', { name: 'Step 4: ring' }).getByLabel('Traffic share (%)');
    await traffic.fill('150');
    await expect.poll(() => page.locator('#f-plan-steps-3-traffic-errors').textContent(), { timeout: 10_000 }).toMatch(/100/);
    await traffic.fill('');
    await page.getByText(`The hub accepts this plan (${defaults.steps.length} steps)`).waitFor();
    await page.getByText('Edit the plan as JSON').click();
    // A ring step nobody matches is accepted, and the hub's warning shows beside the verdict.
    const unmatched = { steps: [{ kind: 'ring', ring: 'canary', tags: { site: 'nowhere' } }, { kind: 'ring', ring: '*' }] };
    const warned = await fleet.api<{ warnings: { message: string }[] }>('POST', '/api/v1/rollouts/validate', { model: MODEL, version: '2', plan: unmatched });
    expect(warned.body.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^ring step 1 \(ring "canary", 100%\) takes no device: /)]);
    await page.getByLabel('Plan (JSON)').fill(JSON.stringify(unmatched, null, 2));
    await expect.poll(() => page.locator('#plan-warnings').textContent(), { timeout: 10_000 }).toBe(`A ring step takes no device${warned.body.warnings[0]?.message}`);
    await expectAccessible(page);
    await page.getByLabel('Plan (JSON)').fill(JSON.stringify(PLAN, null, 2));
    await page.getByText(`The hub accepts this plan (${PLAN.steps.length} steps)`).waitFor();
    await page.getByRole('group', { name: 'Step 5: approve' }).waitFor();
    expect(await page.locator('#plan-warnings').count()).toBe(0);
    expect(await page.locator('fieldset.plan-step').count()).toBe(PLAN.steps.length);
    await page.getByRole('button', { name: 'Create rollout' }).click();

    // The rollout's page: from here on the same document follows it.
    await page.getByRole('heading', { level: 1, name: `Rollout of ${MODEL}@2` }).waitFor();
    const rollouts = (await fleet.api<{ rollouts: RolloutView[] }>('GET', '/api/v1/rollouts')).body.rollouts;
    expect(rollouts).toHaveLength(1);
    const id = rollouts[0]?.id ?? '';
    expect(page.url()).toContain(`#/rollouts/${id}`);
    await page.evaluate(() => void (window.__marker = 'same document'));

    // The canary installs version 2; the bake holds on the test clock.
    await fleet.serving(fleet.ring('canary'), '2');
    await untilStepShown(page, 'Step 2 of 6: bake');
    await expect.poll(() => page.getByRole('list', { name: 'Devices of step 1 by status' }).textContent(), { timeout: 20_000 }).toMatch(/serving\s*2/);
    expect(await page.locator('li.step-current').getAttribute('aria-current')).toBe('step');

    // The bake is over: the gate step, which first waits for statistics on the new version.
    fleet.clock.advance(31);
    await fleet.tick();
    await untilStepShown(page, 'Step 3 of 6: gate');
    await fleet.tick();
    await expect.poll(async () => (await fleet.rollout(id)).gate?.verdict, { timeout: 10_000 }).toBe('inconclusive');
    // Evaluations leave no audit row: the page polls while a gate runs.
    await page.getByRole('button', { name: 'Gate report for step 3' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('li.step-current').textContent()).toContain('inconclusive');

    // The canary answers requests; the gate passes on them and the early ring installs; the approval waits.
    await fleet.feed(fleet.ring('canary'), 60);
    await fleet.flushStats();
    await fleet.tick();
    await fleet.serving(fleet.ring('early'), '2');
    await untilStepShown(page, 'Step 5 of 6: approve');
    expect(await page.evaluate(() => window.__marker)).toBe('same document');

    // The gate's report: its verdict and each metric's evidence, as the hub judged them.
    const judged = (await fleet.rollout(id)) as RolloutView & { steps: { gate?: { outcome: string; report: { verdict: string; metrics: { metric: string; evidence: string }[] } } }[] };
    const gate = judged.steps[2]?.gate;
    expect(gate).toMatchObject({ outcome: 'passed', report: { verdict: 'pass' } });
    await page.getByRole('button', { name: 'Gate report for step 3' }).click();
    const report = page.getByRole('dialog', { name: 'Gate report for step 3' });
    await report.waitFor();
    expect(await report.textContent()).toContain('passed: the rollout went on');
    for (const metric of gate?.report.metrics ?? []) {
      const row = report.getByRole('row').filter({ has: page.getByRole('rowheader', { name: metric.metric, exact: true }) });
      expect(await row.textContent()).toContain(metric.evidence);
      expect(await row.textContent()).toContain('pass');
    }
    expect(await report.getByRole('row').filter({ hasText: 'install-success' }).textContent()).toContain('2 of 2 installs serve');
    // The error rate rests on the requests the canary answered (6 of 10 rows each), against the plan's limit.
    expect(await report.getByRole('row').filter({ hasText: 'error-rate' }).textContent()).toMatch(/≤ 0\.05.*12 \(min 10\)/);
    await expectAccessible(page);
    await report.getByRole('button', { name: 'Close' }).click();

    // The controls fit the state: a running rollout pauses, advances, aborts and rolls back; it does not resume.
    expect(await page.getByRole('button', { name: 'Resume', exact: true }).isDisabled()).toBe(true);
    for (const name of ['Pause', 'Advance', 'Abort', 'Roll back']) expect(await page.getByRole('button', { name, exact: true }).isEnabled(), name).toBe(true);
    await expectAccessible(page);
    await saveScreenshot(page, 'rollout');

    // Rolled back, with the confirmation: every touched device goes back to version 1.
    await page.getByRole('button', { name: 'Roll back', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Roll back every touched device?' });
    await confirm.getByLabel('Reason (kept in the audit log)').fill('seen enough');
    await confirm.getByRole('button', { name: 'Yes, roll back' }).click();
    await untilStepShown(page, 'rolled-back');
    await fleet.serving([...fleet.ring('canary'), ...fleet.ring('early')], '1');
    await expect.poll(() => page.getByRole('list', { name: 'All devices of the rollout by status' }).textContent(), { timeout: 20_000 }).toMatch(/^reverted\s*5$/);
    expect(await page.getByRole('button', { name: 'Roll back', exact: true }).isDisabled()).toBe(true);
    expect(await page.evaluate(() => window.__marker)).toBe('same document');
    const audit = await fleet.audit(`rollout:${id}`);
    expect(audit.find((e) => e.action === 'rollout.rolled-back')).toMatchObject({ actor: 'admin', details: { reason: 'seen enough', manual: true } });

    // The list: state, version, how far it came.
    await goTo(page, 'Rollouts');
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: `${MODEL}@2` }) });
    expect(await row.textContent()).toContain('rolled-back');
    expect(await row.textContent()).toContain('4/6');
    await expectAccessible(page);
    await saveScreenshot(page, 'rollouts');

    // The dry runs of invalid plans answer 400, which Chromium logs.
    expectCleanPage(console, [/status of 400 \(Bad Request\)/]);
    await console.close();
  });
});
