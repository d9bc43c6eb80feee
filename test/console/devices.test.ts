/**
 * The devices pages in real Chromium against a real hub: 30 devices enrolled over the API in three
 * rings with tags, one decommissioned, and one real agent online serving vad@1. The list pages by
 * cursor (limit from the URL) and filters by ring, tag, status and id, always showing what the API
 * answers for the same query; the device page shows the agent's state and pins it to vad@2, and
 * the change appears without a reload; a rotated secret is offered once as a download and never rendered.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, assign, enrol, models, startScenario, uploadModel, waitForReport, type Scenario } from '../support/harness';
import { expectAccessible, expectCleanPage, goTo, launchChromium, openConsole, saveScreenshot, signInWithToken } from '../support/browser';

const LIVE_DEVICE = 'edge-live';
const RINGS = ['canary', 'north', 'south'] as const;

let scenario: Scenario;
let browser: Browser;

interface DevicePage {
  devices: { id: string }[];
  nextCursor: string | null;
}

/** The ids the API gives for a query: what the page must show. */
async function idsOf(query: string): Promise<{ ids: string[]; nextCursor: string | null }> {
  const res = await api<DevicePage>(scenario.hub, 'GET', `/api/v1/devices?${query}`);
  expect(res.status).toBe(200);
  return { ids: res.body.devices.map((device) => device.id), nextCursor: res.body.nextCursor };
}

/** The device ids in the table, once it shows `expected` (the table reloads after each navigation). */
async function expectRows(page: Page, expected: string[]): Promise<void> {
  const table = page.getByRole('table', { name: 'Devices' });
  await expect.poll(async () => (await table.locator('tbody tr td:first-child a').allTextContents()).join(','), { timeout: 10_000 }).toBe(expected.join(','));
}

async function applyFilter(page: Page, label: string, value: string): Promise<void> {
  const field = page.getByRole('search', { name: 'Filter devices' }).getByLabel(label, { exact: true });
  await field.fill(value);
  await field.press('Enter');
}

beforeAll(async () => {
  scenario = await startScenario({ consoleDir: inject('consoleDir') });
  browser = await launchChromium();
  const { hub } = scenario;
  await uploadModel(hub, 'vad', models.sileroV5, '1');
  await uploadModel(hub, 'vad', models.sileroV6, '2');
  for (let i = 0; i < 30; i++) {
    const body = { id: `dev-${String(i).padStart(2, '0')}`, ring: RINGS[i % 3], tags: { site: i % 5 === 0 ? 'plant-2' : 'plant-1' } };
    expect((await api(hub, 'POST', '/api/v1/devices', body)).status).toBe(201);
  }
  expect((await api(hub, 'DELETE', '/api/v1/devices/dev-29')).status).toBe(200);
  expect((await api(hub, 'POST', '/api/v1/devices', { id: LIVE_DEVICE, ring: 'canary', tags: { site: 'lab' } })).status).toBe(201);
  const secret = (await api<{ secret: string }>(hub, 'POST', `/api/v1/devices/${LIVE_DEVICE}/secret`)).body.secret;
  const agent = await scenario.startAgent(LIVE_DEVICE, secret);
  const serving = waitForReport(agent, (state) => state.phase === 'serving' && state.active?.version === '1', 'serving vad@1', 30_000);
  expect((await assign(hub, LIVE_DEVICE, 'vad', '1')).status).toBe(200);
  await serving;
  // The hub stores the report a moment after the agent sends it (expect.poll is for tests only).
  const deadline = Date.now() + 10_000;
  const reported = async () => (await api<{ state: { active: { version: string } | null } | null }>(hub, 'GET', `/api/v1/devices/${LIVE_DEVICE}`)).body.state?.active?.version === '1';
  while (!(await reported())) {
    if (Date.now() > deadline) throw new Error(`the hub did not record ${LIVE_DEVICE} serving vad@1`);
    await new Promise((wake) => setTimeout(wake, 50));
  }
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await scenario?.close();
});

describe('console devices pages', () => {
  /** The query of the console's address (`#/devices?ring=north`). */
  const hashQuery = (page: Page): URLSearchParams => new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '');

  it('pages by cursor and filters by ring, tag, status and id, as the API answers', async () => {
    const console = await openConsole(browser, scenario.hub.httpUrl);
    const { page } = console;
    await signInWithToken(page, scenario.hub.adminToken);
    // A linkable page: the page size comes from the address.
    await page.goto(`${scenario.hub.httpUrl}/#/devices?limit=10`);
    await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();

    const first = await idsOf('limit=10');
    expect(first.ids).toHaveLength(10);
    await expectRows(page, first.ids);
    const second = await idsOf(`limit=10&cursor=${first.nextCursor ?? ''}`);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expectRows(page, second.ids);
    expect(hashQuery(page).get('cursor')).toBe(first.nextCursor);
    // Page 4 holds the last of 31 devices, and there is no page after it.
    const third = await idsOf(`limit=10&cursor=${second.nextCursor ?? ''}`);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expectRows(page, third.ids);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expectRows(page, (await idsOf(`limit=10&cursor=${third.nextCursor ?? ''}`)).ids);
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'First page' }).click();
    await expectRows(page, first.ids);

    await applyFilter(page, 'Ring', 'north');
    await expectRows(page, (await idsOf('limit=10&ring=north')).ids);
    expect(hashQuery(page).get('ring')).toBe('north');
    await expect.poll(() => page.getByRole('table', { name: 'Devices' }).locator('tbody tr').filter({ hasNotText: 'north' }).count()).toBe(0);

    await applyFilter(page, 'Tag', 'site:plant-2');
    const plant2North = await idsOf(`limit=10&ring=north&tag=${encodeURIComponent('site:plant-2')}`);
    expect(plant2North.ids.length).toBeGreaterThan(0);
    await expectRows(page, plant2North.ids);

    await page.getByRole('button', { name: 'Clear' }).click();
    await expectRows(page, first.ids);
    await page.getByLabel('Status').selectOption('online');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expectRows(page, [LIVE_DEVICE]);
    const liveRow = page.getByRole('row', { name: new RegExp(LIVE_DEVICE) });
    expect(await liveRow.textContent()).toContain('vad@1');
    expect(await liveRow.textContent()).toContain('site:lab');

    await page.getByLabel('Status').selectOption('decommissioned');
    await applyFilter(page, 'Id contains', '');
    await expectRows(page, ['dev-29']);

    await page.getByLabel('Status').selectOption('');
    await applyFilter(page, 'Id contains', 'v-1');
    await expectRows(page, (await idsOf('limit=10&q=v-1')).ids);
    expect(await page.getByText(/matching the filters/).count()).toBe(1);
    await expectAccessible(page);
    await saveScreenshot(page, 'devices');

    // Live: a device enrolled elsewhere appears on the current page without a reload.
    await applyFilter(page, 'Id contains', 'late');
    await expectRows(page, []);
    await enrol(scenario.hub, 'late-device');
    await expectRows(page, ['late-device']);

    // Linked filters survive a reload.
    await page.reload();
    await expectRows(page, ['late-device']);
    expect(await page.getByLabel('Id contains').inputValue()).toBe('late');
    expectCleanPage(console);
    await console.close();
  });

  it("shows a device's state and pins a version, the change arriving without a reload", async () => {
    const console = await openConsole(browser, scenario.hub.httpUrl);
    const { page } = console;
    await signInWithToken(page, scenario.hub.adminToken);
    await goTo(page, 'Devices');
    await applyFilter(page, 'Id contains', LIVE_DEVICE);
    await page.getByRole('link', { name: LIVE_DEVICE, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: `Device ${LIVE_DEVICE}` }).waitFor();
    const facts = page.getByRole('region', { name: 'Reported state' });
    await expect.poll(() => facts.textContent()).toContain('vad@1');
    expect(await facts.textContent()).toContain('online');
    expect(await facts.textContent()).toContain('serving');
    const assigned = page.getByTestId('assigned-version');
    expect(await assigned.textContent()).toBe('vad@1');
    await page.getByRole('region', { name: 'Recent events' }).getByText('activated').first().waitFor();
    await page.getByRole('region', { name: /Statistics and drift of vad@1/ }).getByText(/no reference profile|No statistics|Predictions/).first().waitFor();
    await expectAccessible(page);
    await saveScreenshot(page, 'device');

    // A marker on the window: it survives only if the page is never reloaded.
    await page.evaluate(() => Object.assign(window, { devicesTestMarker: 1 }));
    const pin = page.getByRole('form', { name: 'Pin a version' });
    await pin.getByLabel('Serving model').selectOption('vad');
    await pin.getByLabel('Serving version').selectOption('2');
    expect(await pin.getByLabel('Shadow model').inputValue()).toBe('');
    await pin.getByRole('button', { name: 'Pin version…' }).click();
    const confirm = page.getByRole('dialog', { name: 'Pin this device?' });
    expect(await confirm.textContent()).toContain('vad@2');
    await expectAccessible(page);
    await confirm.getByRole('button', { name: 'Yes, pin it' }).click();
    await expect.poll(() => assigned.textContent(), { timeout: 10_000 }).toBe('vad@2');
    // The agent installs it and reports; the audit row of that report reloads the facts.
    await expect.poll(() => facts.textContent(), { timeout: 20_000 }).toMatch(/Runningvad@2/);
    const device = await api<{ assignment: { version: string }; state: { active: { version: string } } }>(scenario.hub, 'GET', `/api/v1/devices/${LIVE_DEVICE}`);
    expect(device.body.assignment.version).toBe('2');
    expect(device.body.state.active.version).toBe('2');
    expect(await page.evaluate(() => (window as unknown as { devicesTestMarker?: number }).devicesTestMarker)).toBe(1);
    expectCleanPage(console);
    await console.close();
  });

  it('offers a rotated secret once as a download, never in the page, then decommissions the device', async () => {
    const console = await openConsole(browser, scenario.hub.httpUrl);
    const { page } = console;
    await signInWithToken(page, scenario.hub.adminToken);
    await page.goto(`${scenario.hub.httpUrl}/#/devices/dev-28`);
    await page.getByRole('heading', { level: 1, name: 'Device dev-28' }).waitFor();

    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('dialog', { name: 'Rotate the secret of dev-28?' }).getByRole('button', { name: 'Yes, rotate secret' }).click();
    const shown = page.getByRole('dialog', { name: 'New secret of dev-28' });
    await shown.waitFor();
    const saved = page.waitForEvent('download');
    await shown.getByRole('button', { name: 'Download dev-28.secret' }).click();
    const file = await saved;
    expect(file.suggestedFilename()).toBe('dev-28.secret');
    const secret = (await readFile(await file.path(), 'utf8')).trim();
    expect(secret.length).toBeGreaterThan(20);
    await shown.getByRole('status').getByText('Saved as dev-28.secret.').waitFor();
    // Never rendered, not even while the dialog is open.
    expect(await page.content()).not.toContain(secret);
    await expectAccessible(page);
    await shown.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => shown.count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    // It is the device's secret now: the device configuration endpoint accepts it.
    const config = await fetch(`${scenario.hub.httpUrl}/device/v1/config`, { headers: { authorization: `Basic ${Buffer.from(`dev-28:${secret}`).toString('base64')}` } });
    expect(config.status).toBe(200);

    await page.getByRole('button', { name: 'Decommission' }).click();
    await page.getByRole('dialog', { name: 'Decommission dev-28?' }).getByRole('button', { name: 'Yes, decommission' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Reported state' }).textContent()).toContain('decommissioned');
    expect(await page.getByRole('button', { name: 'Rotate secret' }).isDisabled()).toBe(true);
    expect((await api<{ decommissionedAt: string | null }>(scenario.hub, 'GET', '/api/v1/devices/dev-28')).body.decommissionedAt).not.toBeNull();
    expectCleanPage(console);
    await console.close();
  });
});
