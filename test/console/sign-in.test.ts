/**
 * The console's front door in real Chromium: a wrong token cannot sign in, the right one opens a
 * session (HttpOnly cookie), a write without the CSRF token is refused, sign-out ends it, the
 * overview renders from the API, and no secret reaches a page or a served asset.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, enrol, startScenario, type Scenario } from '../support/harness';
import { expectAccessible, expectCleanPage, launchChromium, openConsole, saveScreenshot, signInWithToken } from '../support/browser';

let scenario: Scenario;
let browser: Browser;

beforeAll(async () => {
  scenario = await startScenario({ consoleDir: inject('consoleDir') });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await scenario?.close();
});

describe('console sign-in', () => {
  it('refuses a wrong token, signs in with the right one, and signs out', async () => {
    const console = await openConsole(browser, scenario.hub.httpUrl);
    const { page } = console;
    await page.getByLabel('Admin token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('E_UNAUTHORIZED');
    await expectAccessible(page);
    await saveScreenshot(page, 'sign-in');

    await signInWithToken(page, scenario.hub.adminToken);
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const cookies = await console.context.cookies();
    const session = cookies.find((cookie) => cookie.name === 'ef_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // The page cannot read its own session cookie.
    expect(await page.evaluate(() => document.cookie)).not.toContain('ef_session');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Signed out.').waitFor();
    // The cookie no longer opens the API.
    const after = await page.evaluate(async () => (await fetch('/api/v1/overview')).status);
    expect(after).toBe(401);
    expectCleanPage(console);
    await console.close();
  });

  it('signs in once with a one-time link, and the spent link then shows why it cannot', async () => {
    const link = await api<{ code: string; url: string }>(scenario.hub, 'POST', '/api/v1/session/links', {});
    expect(link.status).toBe(201);
    const url = new URL(link.body.url);
    // Opened with the link, as from the demo's terminal.
    const first = await openConsole(browser, scenario.hub.httpUrl, { path: `/${url.hash}` });
    await first.page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    // The code is gone from the address bar.
    expect(first.page.url()).not.toContain(link.body.code);
    expectCleanPage(first);
    await first.close();

    // Pasted into a console already open at its sign-in page: the spent link says why it cannot.
    const second = await openConsole(browser, scenario.hub.httpUrl);
    await second.page.getByLabel('Admin token').waitFor();
    await second.page.evaluate((hash) => void (location.hash = hash), url.hash);
    await second.page.getByText('already used').waitFor();
    await second.page.getByLabel('Admin token').waitFor();
    await second.close();
  });

  it('is usable by keyboard alone on a laptop screen', async () => {
    const console = await openConsole(browser, scenario.hub.httpUrl, { viewport: { width: 1366, height: 768 } });
    const { page } = console;
    await page.getByLabel('Admin token').focus();
    await page.keyboard.type(scenario.hub.adminToken);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    // The first Tab reaches the skip link, which moves focus to the page's content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    // Every navigation link is reachable with Tab and followed with Enter.
    await page.getByRole('link', { name: 'Devices', exact: true }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/devices');
    const navWidth = await page.getByRole('navigation', { name: 'Console' }).evaluate((nav) => nav.getBoundingClientRect().right);
    expect(navWidth).toBeLessThan(1366 / 4);
    expectCleanPage(console);
    await console.close();
  });

  it('refuses a state-changing request of the session without its CSRF token', async () => {
    const console = await openConsole(browser, scenario.hub.httpUrl);
    await signInWithToken(console.page, scenario.hub.adminToken);
    const status = await console.page.evaluate(async () => {
      const response = await fetch('/api/v1/devices', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'csrf-probe' }) });
      return { status: response.status, body: (await response.json()) as { error: { code: string } } };
    });
    expect(status).toEqual({ status: 403, body: { error: expect.objectContaining({ code: 'E_FORBIDDEN' }) } });
    expect((await api(scenario.hub, 'GET', '/api/v1/devices/csrf-probe')).status).toBe(404);
    expectCleanPage(console, [/status of 403/]);
    await console.close();
  });

  it('shows the overview from the API and renders no secret', async () => {
    const secret = await enrol(scenario.hub, 'overview-device');
    const console = await openConsole(browser, scenario.hub.httpUrl);
    const { page } = console;
    await signInWithToken(page, scenario.hub.adminToken);
    await page.getByText('devices in service').waitFor();
    const tiles = await page.getByRole('region', { name: 'Fleet counts' }).textContent();
    expect(tiles).toMatch(/1\s*devices in service/);
    await page.getByText('device.enrolled').first().waitFor();
    await expectAccessible(page);
    await saveScreenshot(page, 'overview');

    const html = await page.content();
    for (const value of [secret, scenario.hub.adminToken]) expect(html).not.toContain(value);
    const dir = inject('consoleDir');
    const files = [join(dir, 'index.html'), ...(await readdir(join(dir, 'assets'))).map((name) => join(dir, 'assets', name))];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      expect(text).not.toContain(scenario.hub.adminToken);
      expect(text).not.toContain('PRIVATE KEY');
    }
    expectCleanPage(console);
    await console.close();
  });

  it('serves its pages with a same-origin Content-Security-Policy', async () => {
    const response = await fetch(`${scenario.hub.httpUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const page = await response.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${scenario.hub.httpUrl}${script}`);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect((await fetch(`${scenario.hub.httpUrl}/assets/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
  });
});
