/**
 * The browser enrolment page (issue 14) in real Chromium against a real hub with two rings: the
 * empty state explains browser devices; a token issued through the form is shown once as the full
 * enrolment link (copied to the clipboard), and a browser enrolling with it from outside (POST
 * /device/v1/enrol) becomes a device tagged kind:browser, the list showing 1 / N without a
 * reload; after Done the link is gone from the page; a confirmed revoke makes it revoked and the
 * link enrols nobody. A token whose time ran out (the hub's clock moved on) shows as expired and
 * refuses too. At 390 px the page issues a token by keyboard alone and nothing overflows.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, startScenario, type Scenario } from '../support/harness';
import { expectAccessible, expectCleanPage, goTo, launchChromium, openConsole, saveScreenshot, signInWithToken } from '../support/browser';

interface TokenView {
  id: string;
  ring: string;
  label: string;
  used: number;
  maxEnrolments: number;
  state: string;
}
interface Device {
  id: string;
  ring: string;
  tags: Record<string, string>;
}

/** The hub's clock: real time plus what a test moved it on by. */
let offsetMs = 0;
let scenario: Scenario;
let browser: Browser;

const tokens = async (): Promise<TokenView[]> => (await api<{ tokens: TokenView[] }>(scenario.hub, 'GET', '/api/v1/enrolment-tokens')).body.tokens;

/** What a page does with the token of its link (web-runtime/demo/enrolment.ts): from the test process, no session. */
async function enrolWith(token: string): Promise<{ status: number; body: { id?: string; ring?: string; secret?: string } }> {
  const response = await fetch(`${scenario.hub.httpUrl}/device/v1/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as { id?: string; ring?: string; secret?: string }) : {} };
}

/** The token of an enrolment link `<hub>/web#enrol=<token>`. */
function tokenOf(link: string): string {
  const url = new URL(link);
  expect(url.origin).toBe(new URL(scenario.hub.httpUrl).origin);
  expect(url.pathname).toBe('/web');
  const token = new URLSearchParams(url.hash.slice(1)).get('enrol');
  if (!token) throw new Error(`no token in ${link}`);
  return token;
}

/** The tokens table's row whose row header (the label cell; "Label …" in the narrow cards) starts with `label`. */
const rowOf = (page: Page, label: string) => page.getByRole('table', { name: 'Enrolment tokens' }).getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^(Label )?${label}`) }) });

beforeAll(async () => {
  scenario = await startScenario({ consoleDir: inject('consoleDir'), now: () => new Date(Date.now() + offsetMs) });
  browser = await launchChromium();
  for (const [position, ring] of ['canary', 'north'].entries()) expect((await api(scenario.hub, 'PUT', `/api/v1/rings/${ring}`, { position })).status).toBe(200);
  expect((await api(scenario.hub, 'POST', '/api/v1/devices', { id: 'edge-north-1', ring: 'north' })).status).toBe(201);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await scenario?.close();
});

describe('console browser enrolment', () => {
  it('issues a token shown once as a link that enrols a browser, counts its use live, and revokes it', async () => {
    const console = await openConsole(browser, scenario.hub.httpUrl);
    const { page, context } = console;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(scenario.hub.httpUrl).origin });
    await signInWithToken(page, scenario.hub.adminToken);
    await goTo(page, 'Browser enrolment');

    // Nothing issued yet: what browser devices are, and where they enrol.
    await page.getByText('No enrolment token yet.').waitFor();
    expect(await page.locator('.enrol-empty a[href="/web"]').count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Browser devices' }).getAttribute('href')).toBe('#/devices?tag=kind%3Abrowser');
    await expectAccessible(page);

    // The existing rings are offered; the ring is typed or picked.
    await expect.poll(() => page.locator('#enrol-rings option').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(['canary', 'north']);
    const form = page.getByRole('form', { name: 'Issue an enrolment link' });
    await form.getByLabel('Ring').fill('north');
    await form.getByLabel('Maximum enrolments').fill('3');
    await form.getByLabel('Lifetime').selectOption({ label: '7 days' });
    await form.getByLabel('Label').fill('lab tablets');
    await form.getByLabel('Tags (optional)').fill('site:lab');
    await form.getByRole('button', { name: 'Issue link' }).click();

    const issued = page.getByRole('region', { name: 'Enrolment link for ring north (lab tablets)' });
    await issued.waitFor();
    // Focus moves to it, and it says it is shown once and what the link lets anyone do.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-labelledby'))).toBe('enrol-issued-title');
    const warning = (await issued.locator('#enrol-issued-warning').textContent()) ?? '';
    expect(warning).toContain('Shown once');
    expect(warning).toMatch(/Anyone with the link can enrol 3 browsers into ring north until it expires/);
    const link = await issued.getByLabel('Enrolment link').inputValue();
    expect(link.startsWith(`${new URL(scenario.hub.httpUrl).origin}/web#enrol=`)).toBe(true);
    const token = tokenOf(link);
    await issued.getByRole('button', { name: 'Copy link' }).click();
    await issued.getByRole('status').getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);

    // The list (newest first) as the API has it, and the API never shows the token again.
    const [view] = await tokens();
    expect(view).toMatchObject({ ring: 'north', label: 'lab tablets', used: 0, maxEnrolments: 3, state: 'active' });
    expect(JSON.stringify(await tokens())).not.toContain(token);
    const row = rowOf(page, 'lab tablets');
    await expect.poll(() => row.textContent()).toContain('0 / 3');
    expect(await row.textContent()).toContain('site:lab');
    expect(await row.getByRole('cell').nth(0).textContent()).toBe('north');

    // A browser enrols with the link's token: an ordinary device of the ring, tagged kind:browser.
    const enrolled = await enrolWith(token);
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
    expect(enrolled.body.ring).toBe('north');
    expect(enrolled.body.id).toMatch(/^web-/);
    const device = await api<Device>(scenario.hub, 'GET', `/api/v1/devices/${enrolled.body.id ?? ''}`);
    expect(device.body.tags).toEqual({ site: 'lab', kind: 'browser' });
    // Its use shows without a reload (the enrolment's audit row reloads the list).
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain('1 / 3');
    expect((await tokens())[0]?.used).toBe(1);
    await expectAccessible(page);
    await saveScreenshot(page, 'console-enrolment-tokens');

    // Done: the link leaves the page for good, focus goes back to the form.
    await issued.getByRole('button', { name: 'Done, hide the link' }).click();
    await expect.poll(() => issued.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('enrol-issue-title');
    expect(await page.content()).not.toContain(token);

    // The browsers it enrolled: the devices list filtered by ring and kind:browser.
    await row.getByRole('link', { name: 'browsers in north' }).click();
    await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
    expect(new URL(page.url()).hash).toBe('#/devices?ring=north&tag=kind%3Abrowser');
    await expect.poll(() => page.getByRole('table', { name: 'Devices' }).locator('tbody tr td:first-child a').allTextContents()).toEqual([enrolled.body.id]);
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Browser enrolment' }).waitFor();
    expect(await page.content()).not.toContain(token);

    // Revoke, confirmed: revoked in the list and the API, and the link enrols nobody.
    await rowOf(page, 'lab tablets').getByRole('button', { name: 'Revoke' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke the token “lab tablets”?' });
    expect(await confirm.textContent()).toContain('The browser it enrolled stays in ring north');
    await expectAccessible(page);
    await confirm.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect.poll(() => rowOf(page, 'lab tablets').getByRole('cell').nth(2).textContent()).toMatch(/^revoked/);
    expect(await rowOf(page, 'lab tablets').getByRole('button', { name: 'Revoke' }).count()).toBe(0);
    expect((await tokens())[0]?.state).toBe('revoked');
    expect((await enrolWith(token)).status).toBe(401);
    // The device it enrolled stays.
    expect((await api(scenario.hub, 'GET', `/api/v1/devices/${enrolled.body.id ?? ''}`)).status).toBe(200);
    expectCleanPage(console);
    await console.close();
  });

  it('shows a token whose time ran out as expired, and it refuses', async () => {
    const issued = await api<{ id: string; token: string }>(scenario.hub, 'POST', '/api/v1/enrolment-tokens', { ring: 'canary', maxEnrolments: 5, ttlS: 15 * 60, label: 'short-lived' });
    expect(issued.status).toBe(201);
    const console = await openConsole(browser, scenario.hub.httpUrl);
    const { page } = console;
    await signInWithToken(page, scenario.hub.adminToken);
    await page.goto(`${scenario.hub.httpUrl}/#/enrolment`);
    const row = rowOf(page, 'short-lived');
    await expect.poll(() => row.getByRole('cell').nth(2).textContent()).toBe('active');
    offsetMs += 16 * 60_000;
    // The refusal's audit row reloads the list.
    expect((await enrolWith(issued.body.token)).status).toBe(401);
    await expect.poll(() => row.getByRole('cell').nth(2).textContent(), { timeout: 10_000 }).toBe('expired');
    expect(await row.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
    expect((await tokens()).find((t) => t.id === issued.body.id)?.state).toBe('expired');
    expectCleanPage(console);
    await console.close();
  });

  it('issues a token by keyboard alone at 390 px, with nothing overflowing', async () => {
    expect((await api(scenario.hub, 'POST', '/api/v1/enrolment-tokens', { ring: 'north', maxEnrolments: 40, ttlS: 24 * 60 * 60, label: 'kiosk', tags: { site: 'hall' } })).status).toBe(201);
    const console = await openConsole(browser, scenario.hub.httpUrl, { viewport: { width: 390, height: 844 } });
    const { page } = console;
    await signInWithToken(page, scenario.hub.adminToken);
    await page.goto(`${scenario.hub.httpUrl}/#/enrolment`);
    await page.getByRole('heading', { level: 1, name: 'Browser enrolment' }).waitFor();
    await rowOf(page, 'kiosk').waitFor();

    await page.getByLabel('Ring').focus();
    await page.keyboard.type('canary');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('enrol-max');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('2');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('enrol-ttl');
    await page.keyboard.press('Tab');
    await page.keyboard.type('phone');
    await page.keyboard.press('Enter');
    const issued = page.getByRole('region', { name: 'Enrolment link for ring canary (phone)' });
    await issued.waitFor();
    // The panel takes focus in an effect after it renders: wait for that before pressing Tab.
    await expect.poll(() => issued.evaluate((panel) => panel === document.activeElement)).toBe(true);
    // From the focused panel, Tab reaches the link and its copy button.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('enrol-link');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Copy link');
    const [latest] = await tokens();
    expect(latest).toMatchObject({ ring: 'canary', label: 'phone', maxEnrolments: 2, state: 'active' });
    await expect.poll(() => rowOf(page, 'phone').textContent()).toContain('0 / 2');

    // Cards, not a table wider than the screen; the rows keep their table semantics.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await page.getByRole('table', { name: 'Enrolment tokens' }).getByRole('rowheader').count()).toBe((await tokens()).length);
    await expectAccessible(page);
    await saveScreenshot(page, 'console-enrolment-tokens-390');
    expectCleanPage(console);
    await console.close();
  });
});
