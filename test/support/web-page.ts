/**
 * Driving the hub's edge inference page (/web) in Chromium: open it with an enrolment link, wait on
 * the page's own device (window.edgefleet, the runtime the page loaded), and run exact inputs
 * through it. Everything crosses a real page boundary: tensors go in as plain arrays and come
 * back as plain arrays.
 */
import type { Browser, Page } from 'playwright-core';
import type { EdgeDevice, WebStatus } from '@edgefleet/web-runtime';
import { openConsole, type ConsolePage } from './browser';
import { until } from './process';

declare global {
  interface Window {
    edgefleet?: EdgeDevice;
  }
}

export interface WebPage extends ConsolePage {
  /** the page's device id, once it enrolled (or recovered its credential) */
  device: string;
  status(): Promise<WebStatus>;
  /** waits until the page's status satisfies `predicate` (polled from here: the page's CSP forbids eval) */
  waitForStatus(predicate: (status: WebStatus) => boolean, what: string, timeoutMs?: number): Promise<WebStatus>;
  /** runs `pixels` ([rows x 784] row-major) through the page's serving model */
  classify(pixels: number[], rows: number): Promise<{ version: string; probabilities: number[]; latencyMs: number }>;
}

export async function openWebPage(browser: Browser, hubUrl: string, path: string): Promise<WebPage> {
  const opened = await openConsole(browser, hubUrl, { path, viewport: { width: 1200, height: 900 } });
  return attach(opened);
}

/** The same page object after a reload (or for a page opened otherwise). */
export async function attach(opened: ConsolePage): Promise<WebPage> {
  const { page } = opened;
  await page.waitForFunction(() => window.edgefleet !== undefined, null, { timeout: 20_000 });
  const device = await page.evaluate(() => (window.edgefleet as EdgeDevice).device);
  return { ...opened, device, status: () => statusOf(page), waitForStatus: (predicate, what, timeoutMs) => waitForStatus(page, predicate, what, timeoutMs), classify: (pixels, rows) => classify(page, pixels, rows) };
}

const statusOf = (page: Page): Promise<WebStatus> => page.evaluate(() => (window.edgefleet as EdgeDevice).status());

function waitForStatus(page: Page, predicate: (status: WebStatus) => boolean, what: string, timeoutMs = 20_000): Promise<WebStatus> {
  let last: WebStatus | null = null;
  const reached = async (): Promise<WebStatus | undefined> => {
    last = await statusOf(page);
    return predicate(last) ? last : undefined;
  };
  return until(reached, `the page: ${what}`, timeoutMs, () => `its status is ${JSON.stringify(last)}`);
}

async function classify(page: Page, pixels: number[], rows: number): Promise<{ version: string; probabilities: number[]; latencyMs: number }> {
  return page.evaluate(
    async ({ pixels, rows }) => {
      const device = window.edgefleet as EdgeDevice;
      const answer = await device.predict({ numeric: { type: 'float32', dims: [rows, 784], data: Float32Array.from(pixels) } });
      const probabilities = answer.outputs['probabilities'];
      return { version: answer.model.version, probabilities: probabilities ? Array.from(probabilities.data as Float32Array) : [], latencyMs: answer.latencyMs };
    },
    { pixels, rows },
  );
}
