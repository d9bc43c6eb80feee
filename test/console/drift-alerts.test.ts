/**
 * The drift and alert pages in real Chromium against a real hub and a real agent: the
 * machine-health classifier is trained through the API, one agent serves it and is fed rows with
 * `vibration` shifted by 3 reference sds for two hours (hub and agent share a test clock, so the
 * windows land in those hours), and the drift job is run as the scheduler would run it an hour
 * later. The drift page shows the drifting feature's chart, its numbers and verdict for that
 * device; the alert appears live on the alerts page, and its page shows the evidence.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startAgent, type Agent } from '@edgefleet/agent';
import { MACHINE_FEATURES, MACHINE_TARGET, machineCsv, machineRows } from '../fixtures/machine-data';
import { api, assign, FAST_AGENT_TUNING, predict, startScenario, testLogger, waitForReport, type Scenario } from '../support/harness';
import { expectAccessible, expectCleanPage, goTo, launchChromium, openConsole, saveScreenshot, signInWithToken, type ConsolePage } from '../support/browser';
import { TestClock, waitUntil } from '../support/test-clock';

const MODEL = 'machine-health';
const DEVICE = 'line-b-1';
const SHIFTED = 'vibration';
const ROWS_PER_HOUR = 800;
const ROWS_PER_REQUEST = 100;

interface Distribution {
  name: string;
  bins: string[];
  reference: number[];
  current: number[];
}
interface DriftView {
  verdict: string;
  report: { drifting: string[]; features: { name: string; verdict: string }[] } | null;
  distributions: Distribution[];
  hours: { hour: string; verdict: string }[];
}
interface Alert {
  id: string;
  model: string;
  version: string;
  status: string;
  severity: string;
  evidence: { signals: { name: string; devices: string[]; reasons: string[] }[] };
}

const clock = new TestClock();
let scenario: Scenario;
let browser: Browser;
let agent: Agent | null = null;
let version = '';
let columns = new Map<string, number>();
let drawn = 0;
let fed = 0;
const since = new Date(clock.now().getTime() - 3_600_000).toISOString();

/** `rows` shifted rows through the agent's local API, then its window closed; resolves once the hub counted them. */
async function feed(rows: number): Promise<void> {
  const running = agent;
  if (!running) throw new Error('no agent');
  // One seeded stream: draw past what was sent, so no window repeats rows.
  const batch = machineRows(drawn + rows, 7, { [SHIFTED]: 3 }).slice(drawn);
  drawn += rows;
  for (let at = 0; at < batch.length; at += ROWS_PER_REQUEST) {
    const part = batch.slice(at, at + ROWS_PER_REQUEST);
    const data = new Array<number>(part.length * MACHINE_FEATURES.length).fill(0);
    part.forEach((row, r) => {
      for (const name of MACHINE_FEATURES) data[r * MACHINE_FEATURES.length + (columns.get(name) as number)] = row.readings[name];
    });
    const reply = await predict(running, { numeric: { type: 'float32', dims: [part.length, MACHINE_FEATURES.length], data } });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  }
  fed += rows;
  await running.flushStats();
  const counted = async () => (await api<{ merged: { n: number } | null }>(scenario.hub, 'GET', `/api/v1/models/${MODEL}/versions/${version}/stats?device=${DEVICE}&from=${encodeURIComponent(since)}`)).body.merged?.n ?? 0;
  await waitUntil(counted, (n) => n === fed, `the hub to count ${fed} rows`);
}

beforeAll(async () => {
  scenario = await startScenario({ consoleDir: inject('consoleDir'), now: clock.now });
  browser = await launchChromium();
  const hub = scenario.hub;
  const upload = await api<{ id: string }>(hub, 'POST', '/api/v1/datasets?name=machines', machineCsv(3000, 1), { contentType: 'text/csv' });
  expect(upload.status, JSON.stringify(upload.body)).toBe(201);
  const run = await api<{ id: string }>(hub, 'POST', '/api/v1/training-runs', { dataset: upload.body.id, target: MACHINE_TARGET, task: 'classification', trainer: 'linear', params: { epochs: 30 }, model: MODEL });
  expect(run.status, JSON.stringify(run.body)).toBe(202);
  const done = await waitUntil(
    async () => (await api<{ status: string; resultVersion: { version: string } | null }>(hub, 'GET', `/api/v1/training-runs/${run.body.id}`)).body,
    (r) => ['succeeded', 'failed', 'cancelled'].includes(r.status),
    'the training run',
    60_000,
  );
  expect(done.status).toBe('succeeded');
  version = done.resultVersion?.version ?? '';
  const release = await api<{ manifest: { reference: { features: { name: string; source: { index: number } }[] } | null } }>(hub, 'GET', `/api/v1/models/${MODEL}/versions/${version}`);
  columns = new Map((release.body.manifest.reference?.features ?? []).map((f) => [f.name, f.source.index]));

  const enrolled = await api<{ secret: string }>(hub, 'POST', '/api/v1/devices', { id: DEVICE, ring: 'line-b' });
  expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
  // The agent stamps its windows on the shared clock: the hub files each under the hour it starts in.
  agent = await startAgent({ hubUrl: hub.httpUrl, deviceId: DEVICE, deviceSecret: enrolled.body.secret, dataDir: scenario.agentDir.path, port: 0, host: '127.0.0.1', now: clock.now, logger: testLogger, tuning: FAST_AGENT_TUNING });
  const serving = waitForReport(agent, (s) => s.phase === 'serving' && s.active?.version === version, `${DEVICE} serving ${MODEL}@${version}`, 20_000);
  expect((await assign(hub, DEVICE, MODEL, version)).status).toBe(200);
  await serving;

  // Two hours of shifted inputs, then an hour later, when the drift job sees both complete.
  await feed(ROWS_PER_HOUR);
  clock.nextHour();
  // The agent's next window starts where its last one ended (the previous hour): close a small one first.
  await feed(10);
  await feed(ROWS_PER_HOUR);
  clock.nextHour();
}, 120_000);

afterAll(async () => {
  await agent?.close();
  await browser?.close();
  await scenario?.close();
});

const driftView = async (query: string): Promise<DriftView> => {
  const reply = await api<DriftView>(scenario.hub, 'GET', `/api/v1/models/${MODEL}/versions/${version}/drift?${query}`);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
};

/** The feature panel (a section named by its heading). */
const panel = (page: Page, feature: string) => page.getByRole('region', { name: new RegExp(`^${feature}\\b`) });

describe('drift and alert pages', () => {
  let console: ConsolePage;

  beforeAll(async () => {
    console = await openConsole(browser, scenario.hub.httpUrl);
    await signInWithToken(console.page, scenario.hub.adminToken);
  });
  afterAll(async () => {
    await console?.close();
  });

  it("shows the drifting device's shifted feature first, with its chart, numbers and verdict, and the verdict per hour", async () => {
    const { page } = console;
    const view = await driftView(`device=${DEVICE}`);
    expect(view.verdict).toBe('drift');
    expect(view.report?.drifting).toContain(SHIFTED);

    await goTo(page, 'Drift');
    await page.getByLabel('Model version').selectOption({ label: `${MODEL}@${version}` });
    await page.getByLabel('Device id (optional)').fill(DEVICE);
    await page.getByLabel('Device id (optional)').press('Enter');
    await page.getByRole('heading', { level: 2, name: `${MODEL}@${version} · device ${DEVICE}` }).waitFor();
    // The scope is in the address, for links and bookmarks.
    expect(new URL(page.url()).hash).toBe(`#/drift?model=${MODEL}&version=${version}&device=${DEVICE}`);

    const summary = page.getByRole('region', { name: new RegExp(`${MODEL}@`) });
    expect(await summary.locator('.tile').first().locator('.badge').textContent()).toBe('drift');
    // Drifting features first: the shifted one is the first panel, the others are ok.
    const headings = await page.getByRole('region', { name: 'Features: reference and current distribution' }).getByRole('heading', { level: 3 }).allTextContents();
    expect(headings[0]).toBe(`${SHIFTED} drift`);
    expect(headings.slice(1).sort()).toEqual(MACHINE_FEATURES.filter((f) => f !== SHIFTED).map((f) => `${f} ok`).sort());

    const shifted = panel(page, SHIFTED);
    await expect.poll(() => shifted.getByRole('img', { name: `${SHIFTED}: reference and current distribution, percent of rows per bin` }).count()).toBe(1);
    await shifted.getByText(`Numbers for ${SHIFTED}`).click();
    const table = shifted.getByRole('table', { name: `${SHIFTED}: rows per bin, reference and current` });
    await table.waitFor();
    // The table holds the API's counts: every bin with rows, current rows summing to what was fed.
    const distribution = view.distributions.find((d) => d.name === SHIFTED) as Distribution;
    const expected = distribution.bins.map((bin, i) => ({ bin, reference: distribution.reference[i] ?? 0, current: distribution.current[i] ?? 0 })).filter((b) => b.reference > 0 || b.current > 0);
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children).map((cell) => cell.textContent ?? '')));
    expect(rows.map((r) => [r[0], Number(r[3]), Number(r[4])])).toEqual(expected.map((b) => [b.bin, b.reference, b.current]));
    expect(rows.reduce((sum, r) => sum + Number(r[4]), 0)).toBe(fed);

    const hours = page.getByRole('region', { name: 'Verdict per hour' }).locator('tbody tr');
    expect(await hours.count()).toBe(view.hours.length);
    expect(view.hours.filter((h) => h.verdict === 'drift').length).toBeGreaterThanOrEqual(2);
    expect((await hours.allTextContents()).filter((text) => text.includes('drift')).length).toBe(view.hours.filter((h) => h.verdict === 'drift').length);

    await expectAccessible(page);
    await saveScreenshot(page, 'drift');
  });

  it('lists the alert live when the drift job opens it, and shows its evidence with links to the drift page', async () => {
    const { page } = console;
    await goTo(page, 'Alerts');
    await page.getByText('No alerts.').waitFor();

    const run = await api<{ ok: boolean; error?: string }>(scenario.hub, 'POST', '/api/v1/jobs/drift-evaluation/run');
    expect(run.body.ok, run.body.error).toBe(true);
    const alerts = (await api<{ alerts: Alert[] }>(scenario.hub, 'GET', `/api/v1/alerts?model=${MODEL}`)).body.alerts;
    expect(alerts).toHaveLength(1);
    const alert = alerts[0] as Alert;
    expect(alert).toMatchObject({ status: 'open', severity: 'drift' });

    // No reload: the alert.opened audit row brings it.
    const link = page.getByRole('link', { name: `${MODEL}@${version}` });
    await link.waitFor();
    const row = page.getByRole('row').filter({ has: link });
    expect(await row.textContent()).toContain('open');
    expect(await row.textContent()).toContain(SHIFTED);
    await expectAccessible(page);
    await saveScreenshot(page, 'alerts');

    await link.click();
    await page.getByRole('heading', { level: 1, name: `Alert: ${MODEL}@${version}` }).waitFor();
    expect(new URL(page.url()).hash).toBe(`#/alerts/${alert.id}`);
    const evidence = page.getByRole('region', { name: 'Evidence' });
    const signal = alert.evidence.signals.find((s) => s.name === SHIFTED);
    if (!signal) throw new Error(`the alert's evidence names no ${SHIFTED}`);
    const signalRow = evidence.getByRole('row').filter({ has: page.getByRole('rowheader', { name: SHIFTED }) });
    for (const reason of signal.reasons) expect(await signalRow.textContent()).toContain(reason);
    expect(signal.devices).toEqual([DEVICE]);
    await expectAccessible(page);
    await saveScreenshot(page, 'alert');

    // The flagged device links to its drift page.
    await signalRow.getByRole('link', { name: DEVICE }).click();
    await page.getByRole('heading', { level: 2, name: `${MODEL}@${version} · device ${DEVICE}` }).waitFor();
    expect(await panel(page, SHIFTED).getByRole('heading', { level: 3 }).textContent()).toBe(`${SHIFTED} drift`);

    // Opened from an address (a bookmark, another page's link): the ring's scope, the form filled in.
    await page.goto(`${scenario.hub.httpUrl}/#/drift?model=${MODEL}&version=${version}&ring=line-b`);
    await page.getByRole('heading', { level: 2, name: `${MODEL}@${version} · ring line-b` }).waitFor();
    await expect.poll(() => page.getByRole('form', { name: 'Drift scope' }).getByLabel('Ring').inputValue()).toBe('line-b');
    expect(await panel(page, SHIFTED).getByRole('heading', { level: 3 }).textContent()).toBe(`${SHIFTED} drift`);
    expectCleanPage(console);
  });
});
