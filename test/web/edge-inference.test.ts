/**
 * Browser edge inference, end to end in Debian's Chromium: a page served by the hub enrols with
 * an operator's token, follows its ring's rollouts like any device, verifies every model before
 * onnxruntime-web runs it, refuses what does not verify while its cached model keeps answering,
 * and reports statistics windows the hub merges with the agents'.
 *
 * One hub, one digits MLP trained through the hub's API (digits@1), its int8 twin (digits@2),
 * a second model whose artifact is tampered with on the hub (digits-small@1), a real Node agent in the
 * same ring, and pages in their own browser contexts (so their own IndexedDB and Cache Storage).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type Agent } from '@edgefleet/agent';
import { desiredTopic, generateSigningKey, releaseRefOf, signPayload, type DeploymentDoc, type Envelope, type ErrorCode, type TensorJson } from '@edgefleet/protocol';
import { mnistCsv, mnistRows } from '../fixtures/datasets';
import { expectAccessible, launchChromium, openConsole, saveScreenshot } from '../support/browser';
import { enrol, predict, testLogger, waitForReport, FAST_AGENT_TUNING, tempDir, type TempDir } from '../support/harness';
import { expectClose, WebFleet, type VersionView } from '../support/web-fleet';
import { attach, openWebPage, type WebPage } from '../support/web-page';

describe('browser edge inference', () => {
  let fleet: WebFleet;
  let browser: Browser;
  let page: WebPage;
  let agent: Agent;
  let agentDir: TempDir;
  let v1: VersionView;
  let v2: VersionView;
  let tampered: VersionView;
  /** 3s and 7s the model never saw, row-major [4 x 784] */
  const pixels = [...mnistRows(3, 300, 2), ...mnistRows(7, 300, 2)];

  const hubApi = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => fleet.api<T>(method, path, body);
  /** rows of digits@1 the hub holds for a stats query */
  const rowsOf = (query: string) => fleet.rowsOf('digits', '1', query);
  const pageRows = () => rowsOf(`?device=${page.device}`);

  beforeAll(async () => {
    fleet = await WebFleet.start();
    const dataset = await fleet.api<{ id: string }>('POST', '/api/v1/datasets?name=digits', mnistCsv(40), { contentType: 'text/csv' });
    expect(dataset.status, JSON.stringify(dataset.body)).toBe(201);
    const [run, small] = await Promise.all([
      fleet.trained({ dataset: dataset.body.id, target: 'label', task: 'classification', trainer: 'mlp', params: { hidden: [32], epochs: 6 }, model: 'digits' }),
      fleet.trained({ dataset: dataset.body.id, target: 'label', task: 'classification', trainer: 'mlp', params: { hidden: [8], epochs: 2 }, model: 'digits-small' }),
    ]);
    expect(run.resultVersion).toEqual({ model: 'digits', version: '1' });
    expect(small.resultVersion).toEqual({ model: 'digits-small', version: '1' });
    tampered = await fleet.version('digits-small', '1');
    const quantized = await hubApi<{ version: string }>('POST', '/api/v1/models/digits/versions/1/quantize', { mode: 'int8-dynamic' });
    expect(quantized.status, JSON.stringify(quantized.body)).toBe(201);
    v1 = await fleet.version('digits', '1');
    v2 = await fleet.version('digits', quantized.body.version);
    expect(v2.sha256).not.toBe(v1.sha256);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await page?.close();
    await browser?.close();
    await agent?.close();
    await agentDir?.remove();
    await fleet?.close();
  });

  it('enrols with the link, verifies the rolled-out model and answers exactly as onnxruntime-node does', async () => {
    const token = await fleet.issueToken('web');
    page = await openWebPage(browser, fleet.hub.httpUrl, `/web#enrol=${token.token}`);
    expect(page.device).toMatch(/^web-/);
    // The token left the address bar: a shared screenshot or history entry does not leak it.
    expect(page.page.url()).not.toContain(token.token);
    const device = (await hubApi<{ ring: string; tags: Record<string, string> }>('GET', `/api/v1/devices/${page.device}`)).body;
    expect(device).toMatchObject({ ring: 'web', tags: { kind: 'browser' } });

    const rollout = await fleet.rollOut('digits', '1');
    const serving = await page.waitForStatus((s) => s.active?.version === '1' && s.phase === 'serving', 'serving digits@1', 30_000);
    await fleet.settleRollout(rollout, 'completed');
    expect(serving.verification).toMatchObject({ sha256: v1.sha256, size: v1.manifest.artifact.size, source: 'network', probed: true });
    expect(serving.verification?.keyids).toEqual(v1.manifestEnvelope.signatures.map((s) => s.keyid));
    expect(serving.runtime).toMatch(/^onnxruntime-web 1\.30/);

    const inBrowser = await page.classify(pixels, 4);
    expect(inBrowser.version).toBe('1');
    expectClose(inBrowser.probabilities, await fleet.onnxNode(v1.sha256, pixels, 4));
    // A person draws a 7: the page shows the digit, its ten probabilities, the version and how it was checked.
    const pad = page.page.getByTestId('canvas');
    const box = await pad.boundingBox();
    if (!box) throw new Error('the drawing pad is not visible');
    const at = (x: number, y: number) => page.page.mouse.move(box.x + box.width * x, box.y + box.height * y, { steps: 8 });
    await at(0.3, 0.25);
    await page.page.mouse.down();
    await at(0.7, 0.25);
    await at(0.45, 0.8);
    await page.page.mouse.up();
    await expect.poll(() => page.page.getByTestId('prediction-digit').getAttribute('data-value'), { timeout: 10_000 }).toMatch(/^[0-9]$/);
    const shown = await Promise.all(Array.from({ length: 10 }, (_, d) => page.page.getByTestId(`probability-${d}`).getAttribute('data-value')));
    expect(shown.map(Number).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(await page.page.getByTestId('model-version').getAttribute('data-version')).toBe('1');
    expect(await page.page.getByTestId('verification').getAttribute('data-probed')).toBe('true');
    expect(Number(await page.page.getByTestId('latency').getAttribute('data-value'))).toBeGreaterThan(0);
    await expectAccessible(page.page);
    await saveScreenshot(page.page, 'web-demo-serving');

    // The page talked to its hub alone (no CDN for onnxruntime-web's wasm) and broke no CSP rule.
    expect(page.foreignRequests).toEqual([]);
    expect(page.pageErrors).toEqual([]);
  });

  it('switches to the version a rollout brings without a reload, and back on rollback without a download', async () => {
    const marker = await page.page.evaluate(() => ((window as unknown as { loadedOnce: number }).loadedOnce = Math.random()));
    const artifactRequests: string[] = [];
    page.page.on('request', (request) => {
      if (request.url().includes('/artifacts/')) artifactRequests.push(request.url());
    });
    // The page shows the download's progress (the last report of it, kept for the test).
    await page.page.evaluate(() => {
      const seen: Array<{ received: number; total: number }> = [];
      (window as unknown as { downloads: typeof seen }).downloads = seen;
      window.edgefleet?.on('status', (status) => void (status.download && seen.push({ received: status.download.received, total: status.download.total })));
    });
    const rollout = await fleet.rollOut('digits', v2.manifest.version);
    await page.waitForStatus((s) => s.active?.version === v2.manifest.version, `serving digits@${v2.manifest.version}`, 30_000);
    expect((await page.classify(pixels, 4)).version).toBe(v2.manifest.version);
    await expect.poll(() => page.page.getByTestId('switch-notice').textContent(), { timeout: 5_000 }).toContain(`digits@${v2.manifest.version}`);
    expect(await page.page.getByTestId('prediction-digit').getAttribute('data-model')).toBe(`digits@${v2.manifest.version}`);
    expect(artifactRequests.some((url) => url.endsWith(v2.sha256))).toBe(true);
    const downloads = await page.page.evaluate(() => (window as unknown as { downloads: Array<{ received: number; total: number }> }).downloads);
    expect(downloads[0]).toEqual({ received: 0, total: v2.manifest.artifact.size });
    expect(downloads.at(-1)).toEqual({ received: v2.manifest.artifact.size, total: v2.manifest.artifact.size });
    expect((await page.status()).download).toBeNull();

    artifactRequests.length = 0;
    const rolledBack = await hubApi('POST', `/api/v1/rollouts/${rollout}/rollback`, { reason: 'browser test' });
    expect(rolledBack.status, JSON.stringify(rolledBack.body)).toBe(200);
    const back = await page.waitForStatus((s) => s.active?.version === '1', 'serving digits@1 again', 30_000);
    expect(back.previous?.version).toBe(v2.manifest.version);
    expect((await page.classify(pixels, 4)).version).toBe('1');
    // Rolled back from the page's own verified cache: nothing fetched, nothing reloaded.
    expect(artifactRequests).toEqual([]);
    expect(await page.page.evaluate(() => (window as unknown as { loadedOnce: number }).loadedOnce)).toBe(marker);
  });

  describe('what does not verify is refused with a visible error, and digits@1 keeps answering', () => {
    /** The hub's doc for the page, to derive forged variants from. */
    async function currentDoc(): Promise<DeploymentDoc> {
      const view = await hubApi<{ assignment: { seq: number } }>('GET', `/api/v1/devices/${page.device}`);
      return { type: 'deployment', v: 1, device: page.device, seq: view.body.assignment.seq + 1, expires: new Date(Date.now() + 3_600_000).toISOString(), rollout: null, active: await releaseRefOf(v1.manifestEnvelope), previous: null, allowDowngrade: false, statsIntervalS: 60 };
    }
    const publishDoc = (envelope: Envelope) => fleet.hub.publish(desiredTopic(page.device), JSON.stringify(envelope), { retain: false });

    async function expectRefused(code: ErrorCode, deliver: () => Promise<unknown>): Promise<void> {
      await deliver();
      const refused = await page.waitForStatus((s) => s.error?.code === code, `refused with ${code}`);
      expect(refused.active?.version).toBe('1');
      await expect.poll(() => page.page.getByRole('alert').first().textContent(), { timeout: 5_000 }).toContain(code);
      const answer = await page.classify(pixels, 4);
      expect(answer.version).toBe('1');
      expect(answer.probabilities).toEqual(await page.classify(pixels, 4).then((again) => again.probabilities));
    }

    it('a model with a flipped byte is E_HASH_MISMATCH', async () => {
      // Another model's artifact, tampered with on the hub's disk after it was signed.
      const file = join(fleet.hubDir.path, 'artifacts', tampered.sha256);
      const bytes = await readFile(file);
      const middle = Math.floor(bytes.length / 2);
      bytes[middle] = (bytes[middle] as number) ^ 0xff;
      await writeFile(file, bytes);
      await expectRefused('E_HASH_MISMATCH', () => hubApi('PUT', `/api/v1/devices/${page.device}/assignment`, { model: 'digits-small', version: '1' }));
      const cached = await page.page.evaluate(async (sha) => Boolean(await (await caches.open('edgefleet-models')).match(`/web-runtime/cache/${sha}`)), tampered.sha256);
      expect(cached).toBe(false);
      await saveScreenshot(page.page, 'web-refused-tampered-model');
    });

    it('a release manifest signed by an unknown key is E_SIG_UNTRUSTED', async () => {
      const stranger = (await generateSigningKey()).key;
      // Inline, as older hubs sent it: without its reference profile, well under the size a device takes.
      const doc = { ...(await currentDoc()), active: await signPayload({ ...v1.manifest, reference: null }, [stranger]) };
      await expectRefused('E_SIG_UNTRUSTED', async () => publishDoc(await signPayload(doc, [fleet.hub.releaseKey])));
    });

    it('an expired deployment doc is E_EXPIRED', async () => {
      const doc = { ...(await currentDoc()), expires: new Date(Date.now() - 60_000).toISOString() };
      await expectRefused('E_EXPIRED', async () => publishDoc(await signPayload(doc, [fleet.hub.releaseKey])));
    });

    it('a replayed older deployment doc is E_ROLLBACK', async () => {
      const doc = await currentDoc();
      await expectRefused('E_ROLLBACK', async () => publishDoc(await signPayload({ ...doc, seq: doc.seq - 3 }, [fleet.hub.releaseKey])));
    });
  });

  it('runs a shadow the assignment names beside the serving model, and drops it when the assignment does', async () => {
    const assign = (body: Record<string, unknown>) => hubApi('PUT', `/api/v1/devices/${page.device}/assignment`, body);
    const candidate = v2.manifest.version;
    expect((await assign({ model: 'digits', version: '1', shadow: { model: 'digits', version: candidate } })).status).toBe(200);
    const shadowing = await page.waitForStatus((s) => s.shadow?.version === candidate, `shadow digits@${candidate} running`);
    expect(shadowing.active?.version).toBe('1');
    expect(shadowing.error).toBeNull();
    for (let i = 0; i < 5; i++) expect((await page.classify(pixels, 4)).version).toBe('1');
    await page.page.evaluate(() => window.edgefleet?.flushStats());
    const shadowOf = async () => (await hubApi<{ shadow: { n: number; agree: number } | null }>('GET', `/api/v1/models/digits/versions/${candidate}/shadow?device=${page.device}`)).body.shadow;
    await expect.poll(async () => (await shadowOf())?.n ?? 0, { timeout: 20_000, interval: 250 }).toBe(20);
    // The int8 twin agrees with its float parent on nearly every digit (classes compared row by row).
    expect((await shadowOf())?.agree).toBeGreaterThanOrEqual(18);

    expect((await assign({ model: 'digits', version: '1' })).status).toBe(200);
    await page.waitForStatus((s) => s.shadow === null, 'shadow unloaded');
  });

  it("sends statistics windows the hub merges with an agent's in the version's drift view", async () => {
    agentDir = await tempDir('agent');
    const secret = await enrol(fleet.hub, 'edge-agent-1');
    expect((await hubApi('PATCH', '/api/v1/devices/edge-agent-1', { ring: 'web' })).status).toBeLessThan(300);
    agent = await startAgent({ hubUrl: fleet.hub.httpUrl, deviceId: 'edge-agent-1', deviceSecret: secret, dataDir: agentDir.path, port: 0, host: '127.0.0.1', logger: testLogger, tuning: FAST_AGENT_TUNING });
    const serving = waitForReport(agent, (s) => s.phase === 'serving' && s.active?.model === 'digits' && s.active.version === '1', 'agent serving digits@1', 30_000);
    expect((await hubApi('PUT', '/api/v1/devices/edge-agent-1/assignment', { model: 'digits', version: '1' })).status).toBe(200);
    await serving;

    const agentInputs: Record<string, TensorJson> = { numeric: { type: 'float32', dims: [4, 784], data: pixels } };
    for (let i = 0; i < 5; i++) expect((await predict(agent, agentInputs)).status).toBe(200);
    await agent.flushStats();
    for (let i = 0; i < 5; i++) await page.classify(pixels, 4);
    await page.page.evaluate(() => window.edgefleet?.flushStats());

    await expect.poll(() => pageRows(), { timeout: 20_000, interval: 250 }).toBeGreaterThanOrEqual(20);
    await expect.poll(() => rowsOf('?device=edge-agent-1'), { timeout: 20_000, interval: 250 }).toBe(20);
    const fromPage = await pageRows();
    expect(await rowsOf('?ring=web')).toBe(fromPage + 20);
    const drift = await hubApi<{ report: { n: number } | null }>('GET', '/api/v1/models/digits/versions/1/drift?ring=web');
    expect(drift.status).toBe(200);
    expect(drift.body.report?.n).toBe(fromPage + 20);
    expect((await page.status()).pendingWindows).toBe(0);
  });

  it('keeps serving through a hub restart and sends the windows it stored meanwhile once the hub is back', async () => {
    const rowsBefore = await pageRows();
    const restart = await fleet.stop();
    await page.waitForStatus((s) => !s.connected, 'disconnected from the stopped hub');
    for (let i = 0; i < 3; i++) expect((await page.classify(pixels, 4)).version).toBe('1');
    await page.page.evaluate(() => window.edgefleet?.flushStats());
    expect((await page.status()).pendingWindows).toBeGreaterThanOrEqual(1);

    await restart();
    await page.waitForStatus((s) => s.connected && s.pendingWindows === 0, 'reconnected with its outbox sent', 30_000);
    await expect.poll(() => pageRows(), { timeout: 20_000, interval: 250 }).toBe(rowsBefore + 12);
  });

  it('after a reload the page serves its verified cached model without fetching it', async () => {
    const artifactRequests: string[] = [];
    page.page.on('request', (request) => {
      if (request.url().includes('/artifacts/')) artifactRequests.push(request.url());
    });
    await page.page.reload();
    page = await attach(page);
    const status = await page.waitForStatus((s) => s.active?.version === '1', 'serving digits@1 after the reload');
    expect(status.verification).toMatchObject({ sha256: v1.sha256, source: 'cache', probed: true });
    expect((await page.classify(pixels, 4)).version).toBe('1');
    expect(artifactRequests).toEqual([]);
  });

  it("a model damaged in the page's cache is never run: found on read, deleted and fetched again", async () => {
    await page.page.evaluate(async (sha) => {
      const cache = await caches.open('edgefleet-models');
      const key = `/web-runtime/cache/${sha}`;
      const bytes = new Uint8Array(await ((await cache.match(key)) as Response).arrayBuffer());
      const middle = bytes.length >> 1;
      bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
      await cache.put(key, new Response(bytes));
    }, v1.sha256);
    const artifactRequests: string[] = [];
    page.page.on('request', (request) => {
      if (request.url().includes('/artifacts/')) artifactRequests.push(request.url());
    });
    await page.page.reload();
    page = await attach(page);
    const status = await page.waitForStatus((s) => s.active?.version === '1' && s.phase === 'serving', 'serving digits@1 again, fetched anew', 30_000);
    expect(status.verification).toMatchObject({ sha256: v1.sha256, source: 'network', probed: true });
    expect(artifactRequests.filter((url) => url.endsWith(v1.sha256))).toHaveLength(1);
    expectClose((await page.classify(pixels, 4)).probabilities, await fleet.onnxNode(v1.sha256, pixels, 4));
  });

  it('a second tab of the same browser says the device runs in the first one, which keeps serving', async () => {
    const second = await page.context.newPage();
    try {
      await second.goto(`${fleet.hub.httpUrl}/web`);
      await expect.poll(() => second.getByTestId('load-error').getAttribute('data-code').catch(() => null), { timeout: 10_000 }).toBe('E_DEVICE_IN_USE');
      expect(await second.evaluate(() => window.edgefleet === undefined)).toBe(true);
    } finally {
      await second.close();
    }
    expect((await page.status()).connected).toBe(true);
    expect((await page.classify(pixels, 4)).version).toBe('1');
  });

  it('a revoked or expired enrolment token enrols nobody, and the page says so', async () => {
    const revoked = await fleet.issueToken('web');
    expect((await hubApi('DELETE', `/api/v1/enrolment-tokens/${revoked.id}`)).status).toBe(200);
    const expired = await fleet.issueToken('web', 60);
    for (const [token, moveClock] of [
      [revoked.token, 0],
      [expired.token, 61_000],
    ] as const) {
      fleet.clockOffsetMs = moveClock;
      const refused = await openConsole(browser, fleet.hub.httpUrl, { path: `/web#enrol=${token}` });
      try {
        await expect.poll(() => refused.page.getByRole('alert').first().textContent().catch(() => ''), { timeout: 15_000 }).toMatch(/refused|expired|revoked/i);
        expect(await refused.page.evaluate(() => window.edgefleet === undefined)).toBe(true);
      } finally {
        fleet.clockOffsetMs = 0;
        await refused.close();
      }
    }
    const devices = await hubApi<{ devices: Array<{ id: string }> }>('GET', '/api/v1/devices?ring=web&limit=100');
    // The page of the first test and the agent only.
    expect(devices.body.devices.map((d) => d.id).sort()).toEqual([page.device, 'edge-agent-1'].sort());
  });

  it("a browser's credential cannot read another device's topic", async () => {
    const credential = await page.page.evaluate(
      () =>
        new Promise<{ id: string; secret: string; mqttWsUrl: string }>((resolve, reject) => {
          const open = indexedDB.open('edgefleet-device');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const read = open.result.transaction('records').objectStore('records').get('credential');
            read.onsuccess = () => resolve(read.result as { id: string; secret: string; mqttWsUrl: string });
            read.onerror = () => reject(read.error);
          };
        }),
    );
    expect(credential.id).toBe(page.device);
    // The broker takes one session per client id, which is the device id: the page leaves first.
    await page.close();
    const client = await mqtt.connectAsync(credential.mqttWsUrl, { clientId: credential.id, username: credential.id, password: credential.secret, reconnectPeriod: 0 });
    try {
      const received: string[] = [];
      client.on('message', (topic) => received.push(topic));
      // SUBACK 0x80 (refused by the ACL): mqtt.js rejects the subscription.
      await expect(client.subscribeAsync(desiredTopic('edge-agent-1'), { qos: 1 })).rejects.toThrow(/subscribe error/i);
      const own = await client.subscribeAsync(desiredTopic(credential.id), { qos: 1 });
      expect(own[0]?.qos).toBe(1);
      // The retained doc of its own topic arrives; the agent's never does.
      await expect.poll(() => received, { timeout: 5_000 }).toContain(desiredTopic(credential.id));
      expect(received).not.toContain(desiredTopic('edge-agent-1'));
    } finally {
      await client.endAsync(true);
    }
  });

  it('a page whose device the operator removed stops reconnecting, says so, and joins again with a new link', async () => {
    const first = await fleet.issueToken('web');
    const removed = await openWebPage(browser, fleet.hub.httpUrl, `/web#enrol=${first.token}`);
    try {
      await removed.waitForStatus((s) => s.connected, 'connected');
      expect((await hubApi('DELETE', `/api/v1/devices/${removed.device}`)).status).toBe(200);
      await removed.waitForStatus((s) => s.refused && !s.connected, 'credential refused');
      await expect.poll(() => removed.page.getByRole('heading', { name: 'This browser is no longer in the fleet' }).count(), { timeout: 5_000 }).toBe(1);

      const second = await fleet.issueToken('web');
      await removed.page.getByLabel('Enrolment link or token').fill(`${fleet.hub.httpUrl}/web#enrol=${second.token}`);
      await removed.page.getByRole('button', { name: 'Enrol' }).click();
      await expect.poll(() => removed.page.evaluate(() => window.edgefleet?.device), { timeout: 15_000 }).toMatch(/^web-/);
      const rejoined = await attach(removed);
      expect(rejoined.device).not.toBe(removed.device);
      const status = await rejoined.waitForStatus((s) => s.connected && !s.refused, 'connected as the new device');
      expect(status.ring).toBe('web');
      const tokens = await hubApi<{ tokens: Array<{ id: string; used: number }> }>('GET', '/api/v1/enrolment-tokens');
      expect(tokens.body.tokens.find((t) => t.id === second.id)?.used).toBe(1);
      expect(removed.pageErrors).toEqual([]);
    } finally {
      await removed.close();
    }
  });
});
