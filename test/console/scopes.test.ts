/**
 * The console shows only what a session's scope allows (issue 16), in real Chromium against a
 * real hub: a session signed in with a read-only token sees the fleet, a rollout and a device but
 * no rollout controls, no New rollout, no assignment or placement form, no device actions, no
 * upload and no tokens page, and the header names its token and scope; an operator session gets
 * the rollout controls and the assignment form but not the device actions, enrolment or tokens;
 * an admin session manages tokens from the page (created, shown once, revoked), and cannot rotate
 * the token it signed in with (the hub would end the session, and the new secret with the page).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, enrol, models, startScenario, uploadModel, type Scenario } from '../support/harness';
import { expectAccessible, expectCleanPage, launchChromium, openConsole, saveScreenshot, signInWithToken, type ConsolePage } from '../support/browser';

let scenario: Scenario;
let browser: Browser;
let rolloutId: string;
const tokens: Record<'read' | 'operator', string> = { read: '', operator: '' };

beforeAll(async () => {
  scenario = await startScenario({ consoleDir: inject('consoleDir') });
  browser = await launchChromium();
  await enrol(scenario.hub, 'scope-dev-1');
  await uploadModel(scenario.hub, 'scope-vad', models.sileroV5, '1');
  // A rollout that waits for approval: running, so every control of an operator would be enabled.
  expect((await api(scenario.hub, 'PUT', '/api/v1/rings/scope-empty', { position: 7 })).status).toBe(200);
  const plan = { steps: [{ kind: 'ring', ring: 'scope-empty' }, { kind: 'approve', note: 'wait' }], autoRollback: false };
  const rollout = await api<{ id: string }>(scenario.hub, 'POST', '/api/v1/rollouts', { model: 'scope-vad', version: '1', plan });
  expect(rollout.status, JSON.stringify(rollout.body)).toBe(201);
  rolloutId = rollout.body.id;
  for (const scope of ['read', 'operator'] as const) {
    const created = await api<{ token: string }>(scenario.hub, 'POST', '/api/v1/admin-tokens', { name: `console-${scope}`, scope });
    expect(created.status).toBe(201);
    tokens[scope] = created.body.token;
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await scenario?.close();
});

/** Opens the console at a hash path, already signed in with `token`. */
async function signedIn(token: string): Promise<ConsolePage> {
  const console = await openConsole(browser, scenario.hub.httpUrl);
  await signInWithToken(console.page, token);
  return console;
}
async function visit(page: Page, hash: string, heading: string | RegExp): Promise<void> {
  await page.evaluate((next) => void (location.hash = next), hash);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}
const nav = (page: Page) => page.getByRole('navigation', { name: 'Console' });

describe('console scopes', { timeout: 120_000 }, () => {
  it('a read-only session sees the fleet and no control it may not use', async () => {
    const console = await signedIn(tokens.read);
    const { page } = console;
    await expect.poll(() => page.locator('.who').textContent()).toBe('Token console-read · scope read');
    expect(await nav(page).getByRole('link', { name: 'Admin tokens' }).count()).toBe(0);

    await visit(page, '#/rollouts', 'Rollouts');
    await page.getByRole('link', { name: 'scope-vad@1' }).waitFor();
    expect(await page.getByRole('link', { name: 'New rollout' }).count()).toBe(0);

    await visit(page, `#/rollouts/${rolloutId}`, 'Rollout of scope-vad@1');
    await page.locator('#step-now').waitFor();
    for (const control of ['Pause', 'Resume', 'Advance', 'Abort', 'Roll back']) expect(await page.getByRole('button', { name: control }).count(), control).toBe(0);
    await expectAccessible(page);
    await saveScreenshot(page, 'scopes-read-rollout');

    await visit(page, '#/rollouts/new', 'New rollout');
    await page.getByText('Starting a rollout needs a token of scope operator; this session is read.').waitFor();

    await visit(page, '#/devices/scope-dev-1', 'Device scope-dev-1');
    await page.getByText('Assigning a version needs a token of scope operator').waitFor();
    expect(await page.getByRole('heading', { name: 'Assignment' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Ring and tags' }).count()).toBe(0);
    for (const control of ['Rotate secret', 'Decommission']) expect(await page.getByRole('button', { name: control }).count(), control).toBe(0);

    await visit(page, '#/models', 'Models');
    await page.getByText('Uploading a model needs a token of scope operator').waitFor();
    expect(await page.getByRole('heading', { name: 'Upload a model' }).count()).toBe(0);

    await visit(page, '#/enrolment', 'Browser enrolment');
    await page.getByText('Issuing or revoking an enrolment link needs a token of scope admin').waitFor();

    await visit(page, '#/tokens', 'Admin tokens');
    await page.getByText('Managing admin tokens needs a token of scope admin; this session is read.').waitFor();

    // What the page hides, the hub refuses anyway.
    const status = await page.evaluate(async (id) => (await fetch(`/api/v1/rollouts/${id}/pause`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, rolloutId);
    expect(status).toBe(403);
    expectCleanPage(console, [/status of 403 \(Forbidden\)/]);
    await console.close();
  });

  it('an operator session gets the rollout controls and the assignment, not the device actions, enrolment or tokens', async () => {
    const console = await signedIn(tokens.operator);
    const { page } = console;
    await expect.poll(() => page.locator('.who').textContent()).toBe('Token console-operator · scope operator');
    await visit(page, '#/rollouts', 'Rollouts');
    await page.getByRole('link', { name: 'New rollout' }).waitFor();
    await visit(page, `#/rollouts/${rolloutId}`, 'Rollout of scope-vad@1');
    await page.getByRole('button', { name: 'Advance' }).waitFor();
    expect(await page.getByRole('button', { name: 'Pause' }).isEnabled()).toBe(true);

    await visit(page, '#/devices/scope-dev-1', 'Device scope-dev-1');
    await page.getByRole('heading', { name: 'Assignment' }).waitFor();
    await page.getByRole('heading', { name: 'Ring and tags' }).waitFor();
    expect(await page.getByRole('button', { name: 'Decommission' }).count()).toBe(0);

    await visit(page, '#/enrolment', 'Browser enrolment');
    await page.getByText('Issuing or revoking an enrolment link needs a token of scope admin; this session is operator.').waitFor();
    expect(await nav(page).getByRole('link', { name: 'Admin tokens' }).count()).toBe(0);
    expectCleanPage(console);
    await console.close();
  });

  it('an admin session creates a token on the tokens page, sees it once, and revokes it', async () => {
    const console = await signedIn(scenario.hub.adminToken);
    const { page } = console;
    await expect.poll(() => page.locator('.who').textContent()).toBe('Admin token · scope admin');
    await nav(page).getByRole('link', { name: 'Admin tokens' }).click();
    await page.getByRole('heading', { level: 1, name: 'Admin tokens' }).waitFor();
    await page.getByRole('row', { name: /console-read/ }).waitFor();

    await page.getByLabel('Name').fill('kiosk-viewer');
    await page.getByLabel('Scope').selectOption('read');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = page.getByLabel('Token', { exact: true });
    await expect.poll(() => secret.inputValue()).toMatch(/^efa_[A-Za-z0-9_-]{43}$/);
    const shown = await secret.inputValue();
    // It works: a read token for the API.
    expect((await api(scenario.hub, 'GET', '/api/v1/devices', undefined, { token: shown })).status).toBe(200);
    await expectAccessible(page);
    await saveScreenshot(page, 'scopes-tokens');
    await page.getByRole('button', { name: 'Done, hide the token' }).click();
    expect(await page.getByLabel('Token', { exact: true }).count()).toBe(0);

    const row = page.getByRole('row', { name: /kiosk-viewer/ });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('button', { name: 'Yes, revoke' }).click();
    await expect.poll(() => row.textContent()).toContain('revoked');
    expect((await api(scenario.hub, 'GET', '/api/v1/devices', undefined, { token: shown })).status).toBe(401);
    expect(await page.content()).not.toContain(shown);
    expectCleanPage(console);
    await console.close();
  });

  it('a session signed in with an admin token cannot rotate that token, only others', async () => {
    const created = await api<{ token: string }>(scenario.hub, 'POST', '/api/v1/admin-tokens', { name: 'console-admin', scope: 'admin' });
    expect(created.status).toBe(201);
    const console = await signedIn(created.body.token);
    const { page } = console;
    await expect.poll(() => page.locator('.who').textContent()).toBe('Token console-admin · scope admin');
    await visit(page, '#/tokens', 'Admin tokens');
    const own = page.getByRole('row', { name: /console-admin/ });
    const rotateOwn = own.getByRole('button', { name: 'Rotate' });
    await rotateOwn.waitFor();
    expect(await rotateOwn.isDisabled()).toBe(true);
    const why = await rotateOwn.getAttribute('aria-describedby');
    expect(await page.locator(`#${why ?? 'none'}`).textContent()).toBe('This session signed in with it: sign in with another token to rotate this one.');
    expect(await own.getByRole('button', { name: 'Revoke' }).isEnabled()).toBe(true);
    expect(await page.getByRole('row', { name: /console-read/ }).getByRole('button', { name: 'Rotate' }).isEnabled()).toBe(true);
    await expectAccessible(page);
    expectCleanPage(console);
    await console.close();
  });
});
