/**
 * The audit log, webhook deliveries and jobs pages in real Chromium against a real hub whose
 * alert webhook points at a local HTTP server (which refuses its first request): two rollouts
 * aborted queue two notifications, one delivered and one waiting for its retry with the error;
 * the audit log shows the trail, a new row arrives live after an API action, and its filter and
 * details work; the jobs page lists the scheduled jobs and runs one after a confirmation.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, enrol, models, startScenario, uploadModel, type Scenario } from '../support/harness';
import { expectAccessible, expectCleanPage, goTo, launchChromium, openConsole, saveScreenshot, signInWithToken, type ConsolePage } from '../support/browser';
import { waitUntil } from '../support/test-clock';

interface Notification {
  id: number;
  kind: string;
  status: string;
  attempts: number;
  lastError: string | null;
}
interface Job {
  name: string;
  counts: { ran: number; skipped: number; failed: number };
}

let webhook: Server;
/** bodies the webhook accepted; the first request is answered 500 */
const received: string[] = [];
let refused = 0;
let scenario: Scenario;
let browser: Browser;
let console: ConsolePage;

const notifications = async (): Promise<Notification[]> => (await api<{ notifications: Notification[] }>(scenario.hub, 'GET', '/api/v1/notifications')).body.notifications;

/** A rollout of the uploaded version, aborted: one `rollout.aborted` notification. */
async function abortedRollout(): Promise<string> {
  const created = await api<{ id: string }>(scenario.hub, 'POST', '/api/v1/rollouts', { model: 'vad', version: '1' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const aborted = await api(scenario.hub, 'POST', `/api/v1/rollouts/${created.body.id}/abort`, {});
  expect(aborted.status, JSON.stringify(aborted.body)).toBe(200);
  return created.body.id;
}

beforeAll(async () => {
  webhook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (refused === 0) {
        refused++;
        res.writeHead(500).end();
        return;
      }
      received.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  scenario = await startScenario({ consoleDir: inject('consoleDir'), alertWebhookUrl: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hooks` });
  browser = await launchChromium();
  await uploadModel(scenario.hub, 'vad', models.sileroV5, '1');
  await enrol(scenario.hub, 'audit-device-1');
  // The first notification meets the refusal and waits for a retry; the second is delivered.
  await abortedRollout();
  await waitUntil(notifications, (rows) => rows[0]?.attempts === 1, 'the first delivery attempt');
  await abortedRollout();
  await waitUntil(notifications, (rows) => rows.length === 2 && rows[0]?.status === 'delivered', 'the second notification delivered');
  console = await openConsole(browser, scenario.hub.httpUrl);
  await signInWithToken(console.page, scenario.hub.adminToken);
}, 60_000);

afterAll(async () => {
  await console?.close();
  await browser?.close();
  await scenario?.close();
  await new Promise((resolve) => webhook?.close(resolve));
});

describe('audit log, webhook deliveries and jobs pages', () => {
  it('shows the audit trail, a new row live after an API action, filters by action and expands details', async () => {
    const { page } = console;
    await goTo(page, 'Audit log');
    const table = page.getByRole('table');
    await table.getByText('rollout.aborted').first().waitFor();
    const trail = (await api<{ entries: { id: number; action: string; subject: string }[] }>(scenario.hub, 'GET', '/api/v1/audit?limit=50')).body.entries;
    expect(await table.locator('tbody tr').count()).toBe(trail.length);
    expect((await table.locator('tbody tr').first().textContent()) ?? '').toContain(trail[0]?.action ?? 'none');

    // An action through the API: its row appears on top without a reload.
    await enrol(scenario.hub, 'audit-live-device');
    const first = table.locator('tbody tr').first();
    await expect.poll(() => first.textContent()).toContain('device:audit-live-device');
    expect(await first.textContent()).toContain('device.enrolled');
    expect(await first.getAttribute('class')).toContain('audit-new');
    expect(await table.locator('tbody tr').count()).toBe(trail.length + 1);
    await expectAccessible(page);
    await saveScreenshot(page, 'audit');

    await page.getByLabel('Action starts with').fill('rollout.aborted');
    await page.getByLabel('Action starts with').press('Enter');
    await expect.poll(async () => new Set(await table.locator('tbody tr td:nth-child(2)').allTextContents())).toEqual(new Set(['rollout.aborted']));
    expect(await table.locator('tbody tr').count()).toBe(2);
    const aborted = trail.find((entry) => entry.action === 'rollout.aborted');
    if (!aborted) throw new Error('no rollout.aborted in the trail');
    const details = page.getByText(`Details #${aborted.id}`, { exact: true });
    await details.click();
    expect(await page.locator('details[open] pre').first().textContent()).toContain('"model": "vad"');
    await expectAccessible(page);
  });

  it('lists webhook deliveries with their state, attempts, last error and next attempt', async () => {
    const { page } = console;
    await goTo(page, 'Webhooks', 'Webhook deliveries');
    const rows = await notifications();
    const table = page.getByRole('table');
    await table.locator('tbody tr').nth(rows.length - 1).waitFor();
    const cells = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children).map((cell) => (cell.textContent ?? '').trim())));
    expect(cells.map((c) => [Number(c[0]), c[1], c[2], Number(c[3])])).toEqual(rows.map((n) => [n.id, n.kind, n.status, n.attempts]));
    const [delivered, pending] = cells;
    expect(delivered?.[6]).not.toBe('—');
    // The refused one: pending, one attempt, the receiver's answer, and when it is tried again.
    expect(pending?.[2]).toBe('pending');
    expect(pending?.[7]).toBe('HTTP 500');
    expect(pending?.[5]).not.toBe('—');
    expect(received).toHaveLength(1);
    await expectAccessible(page);
    await saveScreenshot(page, 'webhooks');

    await page.getByLabel('State').selectOption('delivered');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    expect(await table.locator('tbody tr').first().textContent()).toContain('delivered');
  });

  it('lists the scheduled jobs and runs one now after a confirmation', async () => {
    const { page } = console;
    await goTo(page, 'Jobs');
    const jobs = (await api<{ jobs: Job[] }>(scenario.hub, 'GET', '/api/v1/jobs')).body.jobs;
    const table = page.getByRole('table');
    await table.locator('tbody tr').nth(jobs.length - 1).waitFor();
    expect((await table.getByRole('rowheader').allTextContents()).map((text) => text.split(' ')[0])).toEqual(jobs.map((j) => j.name));
    await expectAccessible(page);
    await saveScreenshot(page, 'jobs');

    const job = 'drift-evaluation';
    const before = jobs.find((j) => j.name === job)?.counts.ran ?? -1;
    const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${job}`) }) });
    await row.getByRole('button', { name: `Run ${job} now` }).click();
    const dialog = page.getByRole('dialog', { name: `Run ${job} now?` });
    await dialog.waitFor();
    await expectAccessible(page);
    await dialog.getByRole('button', { name: `Yes, run ${job} now` }).click();
    await page.getByRole('status').filter({ hasText: `${job} ran in` }).waitFor();
    const ran = (await api<{ jobs: Job[] }>(scenario.hub, 'GET', '/api/v1/jobs')).body.jobs.find((j) => j.name === job)?.counts.ran;
    expect(ran).toBe(before + 1);
    // The Ran column: after the job's name, its schedule, next run and last run.
    await expect.poll(async () => (await row.locator('td').nth(3).textContent())?.trim()).toBe(String(before + 1));
    expect(await row.textContent()).toContain('manual');
    expectCleanPage(console);
  });
});
