/**
 * The console's devices page at fleet scale (issue 13: "with 10,000 enrolled devices, the devices
 * page's first page renders in under a second"): a real hub (in-process, SQLite) serving the
 * console built by esbuild, real headless Chromium signed in with the admin token, and the time
 * until the first row of the devices table is on screen, at 100, 1,000 and 10,000 devices enrolled
 * through the API in the same run (one hub per size, measured in alternating rounds; 100 is the baseline).
 *
 * Per size, medians of RUNS rounds after a warm-up round:
 * - open by URL: a full page load of /#/devices (assets HTTP-cached, as on a second visit), from
 *   the navigation's start to the first row painted (a MutationObserver, then one frame);
 * - in-app: from the Overview, following the Devices link, to the first row painted;
 * - the page's own API call (GET /api/v1/devices?limit=50) timed in the page (cookie session),
 *   and from Node with the bearer token: the hub's share of the figures above.
 *
 *   npx tsx fleet-sim/src/bench/console-devices-bench.ts [devices, default 10000]   (needs Debian's chromium)
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHub, type Hub } from '@edgefleet/hub';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildConsole } from '../../../hub/src/console/build';
import { call } from './ingest/hub-api';
import { machineLine, median, silentLogger } from './measure';
import { fixed, goal, table, withGoal } from './report';

const TOKEN = 'console-devices-bench-admin-token';
const CHROMIUM = process.env.EDGEFLEET_CHROMIUM ?? '/usr/bin/chromium';
/** The same flags as test/support/browser.ts (no background traffic, no sandbox in containers). */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const RUNS = 5;
const API_RUNS = 15;
/** The console's default page size (hub/console/src/pages/devices/list-query.ts). */
const PAGE = 50;
const GOAL_MS = 1_000;
const FIRST_ROW = 'table[aria-label="Devices"] tbody tr td a';

const idOf = (i: number): string => `cdev-${String(i).padStart(5, '0')}`;

/** Enrols devices from..to-1 over the API, 8 requests in flight, in three rings, a tenth tagged. */
async function enrolRange(hub: Hub, from: number, to: number): Promise<void> {
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) {
      const i = next++;
      await call(hub, 'POST', '/api/v1/devices', { id: idOf(i), ring: ['canary', 'north', 'south'][i % 3], tags: i % 10 === 0 ? { site: 'plant-2' } : { site: 'plant-1' } });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/**
 * Runs in every document the page loads (before the console's script): resolves with
 * performance.now() (ms since the navigation started) one frame after the first row exists.
 */
function watchFirstRow(selector: string): void {
  const state = window as unknown as { firstRowAt?: Promise<number> };
  state.firstRowAt = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (!document.querySelector(selector)) return;
      observer.disconnect();
      requestAnimationFrame(() => resolve(performance.now()));
    });
    observer.observe(document, { childList: true, subtree: true });
  });
}

async function openByUrl(page: Page, origin: string): Promise<number> {
  // A different document first, so the next goto is a full load and not a same-document hash change.
  await page.goto('about:blank');
  await page.goto(`${origin}/#/devices`);
  return page.evaluate(() => (window as unknown as { firstRowAt: Promise<number> }).firstRowAt);
}

async function openInApp(page: Page): Promise<number> {
  await page.evaluate(() => void (location.hash = '#/'));
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  return page.evaluate(
    (selector) =>
      new Promise<number>((resolve) => {
        const started = performance.now();
        const observer = new MutationObserver(() => {
          if (!document.querySelector(selector)) return;
          observer.disconnect();
          requestAnimationFrame(() => resolve(performance.now() - started));
        });
        observer.observe(document.body, { childList: true, subtree: true });
        const link = [...document.querySelectorAll<HTMLAnchorElement>('nav a')].find((a) => a.textContent === 'Devices');
        link?.click();
      }),
    FIRST_ROW,
  );
}

async function apiInPage(page: Page): Promise<number> {
  return page.evaluate(async (limit) => {
    const started = performance.now();
    const response = await fetch(`/api/v1/devices?limit=${limit}`);
    await response.json();
    return performance.now() - started;
  }, PAGE);
}

async function apiFromNode(hub: Hub): Promise<number> {
  const started = performance.now();
  await call(hub, 'GET', `/api/v1/devices?limit=${PAGE}`);
  return performance.now() - started;
}

interface Stage {
  devices: number;
  hub: Hub;
  page: Page;
}

interface StageFigures {
  devices: number;
  byUrl: number;
  inApp: number;
  apiPage: number;
  apiNode: number;
  rows: number;
}

/** A signed-in console page of its own (a browser context per hub: cookies do not tell ports apart). */
async function signedInPage(browser: Browser, hub: Hub): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  await page.addInitScript(watchFirstRow, FIRST_ROW);
  await page.goto(`${new URL(hub.httpUrl).origin}/`);
  await page.getByLabel('Admin token').fill(hub.adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Console' }).waitFor();
  return page;
}

/**
 * `measure` on every stage, a warm-up round then `runs` rounds, the stages alternating within each
 * round: a busy neighbour on this shared machine slows a figure and its baseline alike.
 */
async function alternating(stages: readonly Stage[], runs: number, measure: (stage: Stage) => Promise<number>): Promise<number[]> {
  const times = stages.map((): number[] => []);
  for (let round = 0; round <= runs; round++) {
    for (const [i, stage] of stages.entries()) {
      const value = await measure(stage);
      if (round > 0) times[i]?.push(value);
    }
  }
  return times.map(median);
}

async function startStage(browser: Browser, dir: string, consoleDir: string, devices: number): Promise<Stage & { enrolSeconds: number }> {
  const hub = await startHub({ dataDir: join(dir, `hub-${devices}`), consoleDir, httpPort: 0, mqttPort: 0, host: '127.0.0.1', adminToken: TOKEN, logger: silentLogger, rolloutSchedule: '0 0 1 1 *' });
  const started = performance.now();
  await enrolRange(hub, 0, devices);
  const enrolSeconds = (performance.now() - started) / 1000;
  return { devices, hub, page: await signedInPage(browser, hub), enrolSeconds };
}

export async function consoleDevicesSection(options: { devices: number }): Promise<string> {
  if (!existsSync(CHROMIUM)) return `Console devices page: skipped (no Chromium at ${CHROMIUM}; set EDGEFLEET_CHROMIUM)`;
  const started = performance.now();
  const sizes = [...new Set([100, 1_000, options.devices].filter((n) => n <= options.devices))];
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-console-devices-bench-'));
  const built = await buildConsole(join(dir, 'console'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const browserVersion = browser.version();
  const stages: (Stage & { enrolSeconds: number })[] = [];
  let figures: StageFigures[];
  try {
    // One hub per fleet size, all up at once, so the sizes can be measured in alternating rounds.
    for (const size of sizes) stages.push(await startStage(browser, dir, built.dir, size));
    const origin = (stage: Stage) => new URL(stage.hub.httpUrl).origin;
    const byUrl = await alternating(stages, RUNS, (stage) => openByUrl(stage.page, origin(stage)));
    const shown = await Promise.all(
      stages.map(async (stage) => {
        const rows = await stage.page.locator('table[aria-label="Devices"] tbody tr').count();
        const first = await stage.page.locator(FIRST_ROW).first().textContent();
        if (rows !== Math.min(PAGE, stage.devices) || first !== idOf(0)) throw new Error(`${stage.devices} devices: the page shows ${rows} rows from ${first ?? 'nothing'}`);
        return rows;
      }),
    );
    const inApp = await alternating(stages, RUNS, (stage) => openInApp(stage.page));
    const apiPage = await alternating(stages, API_RUNS, (stage) => apiInPage(stage.page));
    const apiNode = await alternating(stages, API_RUNS, (stage) => apiFromNode(stage.hub));
    figures = stages.map((stage, i) => ({ devices: stage.devices, byUrl: byUrl[i] ?? NaN, inApp: inApp[i] ?? NaN, apiPage: apiPage[i] ?? NaN, apiNode: apiNode[i] ?? NaN, rows: shown[i] ?? 0 }));
  } finally {
    await browser.close();
    for (const stage of stages) await stage.hub.close();
    await rm(dir, { recursive: true, force: true });
  }
  const base = figures[0];
  const last = figures[figures.length - 1];
  if (!base || !last) throw new Error('no stage measured');
  const ms = (value: number) => `${fixed(value, 0)} ms`;
  const vsBase = (value: number, baseline: number) => `${ms(value)} (${fixed(value / baseline, 2)}x)`;
  const added = last.devices - base.devices;
  const perDevice = (a: number, b: number) => (added > 0 ? `${fixed(((b - a) * 1000) / added, 3)} us` : '—');
  return [
    `Console devices page (#/devices, ${PAGE} rows a page, server-side cursor pages) with ${sizes.join(' / ')} devices enrolled through the API, one in-process hub (SQLite) per size serving the console built by esbuild, headless Chromium ${browserVersion} at 1366x768; time to the first table row painted, median of ${RUNS} rounds after a warm-up round; API medians of ${API_RUNS}; baseline = ${base.devices} devices; ${machineLine()}`,
    table(
      ['devices', 'open by URL (full load)', 'in-app (nav link)', 'API page, in the browser', 'API page, from Node', 'rows shown'],
      figures.map((f) => [
        String(f.devices),
        f === last ? withGoal(vsBase(f.byUrl, base.byUrl), goal(`< ${GOAL_MS} ms`, f.byUrl < GOAL_MS)) : vsBase(f.byUrl, base.byUrl),
        vsBase(f.inApp, base.inApp),
        `${fixed(f.apiPage, 1)} ms`,
        `${fixed(f.apiNode, 1)} ms`,
        String(f.rows),
      ]),
    ),
    `- growth from ${base.devices} to ${last.devices} devices, per added device: open by URL ${perDevice(base.byUrl, last.byUrl)}, in-app ${perDevice(base.inApp, last.inApp)}, API page from Node ${perDevice(base.apiNode, last.apiNode)} (a page is a keyset query: its cost should not grow with the fleet)`,
    `- enrolment through the API: ${stages.map((stage) => `${stage.devices} in ${fixed(stage.enrolSeconds, 1)} s`).join(', ')}; whole section ${fixed((performance.now() - started) / 1000, 1)} s`,
  ].join('\n');
}

if (process.argv[1]?.endsWith('console-devices-bench.ts')) {
  const devices = Number(process.argv[2] ?? 10_000);
  console.log(await consoleDevicesSection({ devices }));
}
