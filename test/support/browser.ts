/**
 * Browser tests of the admin console in Debian's Chromium (/usr/bin/chromium, or
 * EDGEFLEET_CHROMIUM) driven by playwright-core; no browser is downloaded. Each console page
 * records every request to another origin (and refuses it), every console error and CSP
 * violation, so a test can assert the pages talk to the hub alone.
 */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';

const CHROMIUM = process.env.EDGEFLEET_CHROMIUM ?? '/usr/bin/chromium';
/** Where screenshots go: CI keeps test/artifacts as the run's artifacts. */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../artifacts/screenshots/', import.meta.url));
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Chromium's own background traffic (updates, sync, Google lookups) is off: the machine has no
    // internet, and the tests count every request that leaves the hub's origin.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export interface ConsolePage {
  page: Page;
  context: BrowserContext;
  /** URLs requested of any other origin than the hub's (each was refused) */
  foreignRequests: string[];
  /** console errors and CSP violations the page reported */
  pageErrors: string[];
  close(): Promise<void>;
}

/** `path`: where the page opens (default `/`), e.g. `/#/sign-in?link=...` */
export async function openConsole(browser: Browser, hubUrl: string, options: { viewport?: { width: number; height: number }; path?: string } = {}): Promise<ConsolePage> {
  const origin = new URL(hubUrl).origin;
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1366, height: 900 } });
  const foreignRequests: string[] = [];
  const pageErrors: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || new URL(url).origin === origin) return route.continue();
    foreignRequests.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${origin}${options.path ?? '/'}`);
  return { page, context, foreignRequests, pageErrors, close: () => context.close() };
}

export async function signInWithToken(page: Page, token: string): Promise<void> {
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Console' }).waitFor();
}

/** Navigates by the console's own links (no reload) and waits for the page's heading. */
export async function goTo(page: Page, navLabel: string, heading: string | RegExp = navLabel): Promise<void> {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: navLabel, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core on the page as it is; returns the serious and critical violations. */
export async function seriousAccessibilityIssues(page: Page): Promise<AxeViolation[]> {
  // evaluate() runs over the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, help: violation.help, nodes: violation.nodes.map((node) => ({ target: node.target })) }));
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

export async function expectAccessible(page: Page): Promise<void> {
  const issues = await seriousAccessibilityIssues(page);
  expect(issues, JSON.stringify(issues, null, 2)).toEqual([]);
}

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Chromium logs every 4xx as an error; the console's first call asks whether a session exists, and a 401 says no. */
const EXPECTED_ERRORS = [/status of 401 \(Unauthorized\)/];

/** Asserts what every console test ends with: nothing left the hub's origin, nothing failed in the page. */
export function expectCleanPage(console: ConsolePage, allowedErrors: RegExp[] = []): void {
  expect(console.foreignRequests).toEqual([]);
  const allowed = [...EXPECTED_ERRORS, ...allowedErrors];
  expect(console.pageErrors.filter((text) => !allowed.some((pattern) => pattern.test(text)))).toEqual([]);
}
