/**
 * `npm run demo`, headless: given a hub and six real agents on version 1 with traffic, when the
 * demo's staged rollout of version 2 runs (short bakes, 2 s statistics windows), then it
 * completes with every device serving 2; and with `--bad` (version 2 trained on miscalibrated
 * readings) the canary gate fails on input drift and the canary goes back to 1. Beside it, the
 * web page's part: its printed link enrols a browser into ring `web`, which gets the digits
 * model (and its int8 twin once the rollout has ended), never machine-health. Also the command
 * line's validation and the view's rendering, which need no hub.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { devicesSchema, rolloutSchema, type RolloutView } from '../src/demo/api';
import { parseDemoArgs } from '../src/demo/cli';
import { Demo, FROM_VERSION, MODEL, TO_VERSION, type DemoConfig } from '../src/demo/demo';
import { fleetLayout, ringSizes } from '../src/demo/fleet';
import { Monitor, type Snapshot } from '../src/demo/monitor';
import { cut, renderView, statusLine, type ViewInfo } from '../src/demo/view';
import { WEB_MODEL, WEB_RING, WEB_TOKEN } from '../src/demo/web';

describe('demo command line', () => {
  it.each([
    [[], { devices: 30, bad: false, bakeS: 20, statsIntervalS: 5, rate: 20, dataDir: null, host: '127.0.0.1' }],
    [['--devices', '60', '--bad'], { devices: 60, bad: true }],
    [['--bake=5', '--stats-interval', '2', '--rate', '100', '--data-dir', './data-demo'], { bakeS: 5, statsIntervalS: 2, rate: 100, dataDir: './data-demo' }],
  ])('%j parses', (argv, expected) => {
    const parsed = parseDemoArgs(argv);
    expect(parsed.kind).toBe('run');
    if (parsed.kind === 'run') expect(parsed.options).toMatchObject(expected);
  });

  it.each([
    [['--devices', 'many'], '--devices: must be a whole number between 3 and 500'],
    [['--devices', '2'], '--devices: must be at least 3'],
    [['--devices', '501'], '--devices: must be at most 500'],
    [['--devices', '-4'], "Option '--devices' argument is ambiguous"],
    [['--stats-interval', '0'], '--stats-interval: must be at least 1'],
    [['--device', '6'], "Unknown option '--device'"],
    [['--devices'], "Option '--devices <value>' argument missing"],
    [['six'], "Unexpected argument 'six'"],
  ])('%j is refused naming the problem', (argv, message) => {
    const parsed = parseDemoArgs(argv);
    expect(parsed.kind).toBe('error');
    if (parsed.kind === 'error') expect(parsed.message).toContain(message);
  });

  it('-h asks for the usage', () => {
    expect(parseDemoArgs(['-h'])).toEqual({ kind: 'help' });
  });

  it('every ring gets at least one device and ids are unique', () => {
    for (const total of [3, 6, 30, 500]) {
      const sizes = ringSizes(total);
      expect(sizes.canary + sizes.early + sizes.main, String(total)).toBe(total);
      expect(Math.min(sizes.canary, sizes.early, sizes.main)).toBeGreaterThan(0);
      expect(new Set(fleetLayout(total).map((d) => d.id)).size).toBe(total);
    }
  });
});

describe('demo view', () => {
  it('cuts lines to the terminal width without breaking colour codes', () => {
    expect(cut('\x1b[32mpass\x1b[0m and more', 6)).toBe('\x1b[32mpass\x1b[0m a');
  });

  it('shows the web page link and what the browsers of ring web serve, apart from the agents', () => {
    const info: ViewInfo = { httpUrl: 'http://127.0.0.1:8080', mqttUrl: 'mqtt://127.0.0.1:1883', adminToken: 't', consoleLink: null, webLink: 'http://127.0.0.1:8080/web#enrol=abc', webStatus: 'digits 1 rolled out to ring web', devices: 3, rate: 20, statsIntervalS: 5, bad: false, fromVersion: '1', notes: [], startedAt: new Date(0), rowsAnswered: 0, requestsFailed: 0, driftPeriodS: 60 };
    const snapshot: Snapshot = { at: new Date(1000), rollout: null, rings: [{ ring: 'canary', devices: 3, serving: { '1': 3 }, other: 0 }], web: { devices: 3, online: 2, serving: { '1': 1, '2': 1 }, other: 1 }, drift: [], alerts: [] };
    const view = renderView(snapshot, info, { color: false, width: 200 }).join('\n');
    // The link on a line of its own, whole, under what it is for.
    expect(view).toContain('web page (draw a digit):\nhttp://127.0.0.1:8080/web#enrol=abc\n');
    expect(view).toMatch(/ring web\s+3 browsers, 2 online: digits 1 on 1, digits 2 on 1; 1 not serving\n\s+digits 1 rolled out to ring web/);
    // The agents' rows and the one-line status count agents only.
    expect(view).not.toContain('not serving  ');
    expect(statusLine(snapshot)).toBe('setting up; devices serving 1: 3');
    expect(renderView({ ...snapshot, web: { devices: 0, online: 0, serving: {}, other: 0 } }, info, { color: false, width: 200 }).join('\n')).toContain('no browser yet: open the web page link above');
  });
});

/** A rollout's end states: the smoke runs stop waiting on any of them. */
const ENDED = ['completed', 'rolled-back', 'halted', 'aborted', 'superseded'];

describe('demo flow, headless, six devices', () => {
  let demo: Demo | null = null;
  const log: string[] = [];

  afterEach(async () => {
    await demo?.close();
    demo = null;
    log.length = 0;
  });

  const run = async (overrides: Partial<DemoConfig>): Promise<{ demo: Demo; ended: RolloutView }> => {
    // Short bakes and windows, and a gate that judges after 20 requests (the one canary device
    // sends 5 a second), so the whole plan fits the deadline; the flow is the demo's own.
    // The web page's model learns from 500 digits rather than 6,000, and its int8 twin follows
    // as soon as the rollout has ended.
    const started = new Demo({ devices: 6, bad: false, bakeS: 2, statsIntervalS: 2, rate: 60, dataDir: null, host: '127.0.0.1', ports: 'ephemeral', gateMinRequests: 20, webDigitsPerClass: 50, webSwitchDelayS: 0, ...overrides }, (line) => log.push(line));
    demo = started;
    await started.setup();
    const api = started.requireApi();
    const id = started.rolloutId ?? '';
    expect(id).not.toBe('');
    // Polled with a deadline; on timeout the demo's log says how far it got.
    const deadline = Date.now() + 45_000;
    for (;;) {
      const rollout = await api.get(`/api/v1/rollouts/${id}`, rolloutSchema);
      if (ENDED.includes(rollout.state)) return { demo: started, ended: rollout };
      if (Date.now() > deadline) throw new Error(`rollout still ${rollout.state} at step ${rollout.step} after 45 s; gate ${JSON.stringify(rollout.gate)}; log:\n${log.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  const serving = async (d: Demo): Promise<Record<string, number>> => {
    const { devices } = await d.requireApi().get('/api/v1/devices', devicesSchema);
    const out: Record<string, number> = {};
    for (const device of devices) {
      const active = device.state?.phase === 'serving' ? device.state.active : null;
      const key = active?.model === MODEL ? active.version : 'none';
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  };

  it('rolls version 2 out through canary, gates and 50% to every device', { timeout: 90_000 }, async () => {
    const { demo: d, ended } = await run({});
    expect(ended.state, `${ended.halt?.reason}\n${log.join('\n')}`).toBe('completed');
    expect(ended.gate?.verdict).toBe('pass');
    await expect.poll(() => serving(d), { timeout: 15_000, interval: 250 }).toEqual({ [TO_VERSION]: 6 });

    // What the terminal would show, from the same API.
    const monitor = new Monitor(d.requireApi(), () => ({ model: MODEL, versions: d.versions, rolloutId: d.rolloutId, since: d.startedAt }));
    const { snapshot, lines } = await monitor.poll();
    expect(lines.join('\n')).toContain('COMPLETED');
    expect(statusLine(snapshot)).toBe(`rollout completed, step 7 of 7, gate pass; devices serving ${TO_VERSION}: 6`);
    const hub = d.hub;
    if (!hub) throw new Error('no hub');
    const view = renderView(snapshot, { httpUrl: hub.httpUrl, mqttUrl: hub.mqttUrl, adminToken: d.adminToken, consoleLink: d.consoleLink, webLink: d.web?.link ?? null, webStatus: d.web?.status ?? null, devices: 6, rate: 60, statsIntervalS: 2, bad: false, fromVersion: FROM_VERSION, notes: [], startedAt: d.startedAt, rowsAnswered: 0, requestsFailed: 0, driftPeriodS: 60 }, { color: false, width: 80, height: 20 }).join('\n');
    expect(view).toContain(`${MODEL} ${FROM_VERSION} -> ${TO_VERSION}  COMPLETED`);
    expect(view).toContain(d.adminToken);
    // The printed console link signs a browser in, once.
    expect(d.consoleLink).toMatch(/\/#\/sign-in\?link=[A-Za-z0-9_-]{20,}$/);
    expect(view).toContain(d.consoleLink);
    const code = new URLSearchParams((d.consoleLink ?? '').split('?')[1]).get('link');
    const signIn = () => fetch(`${hub.httpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ link: code }) });
    expect((await signIn()).status).toBe(201);
    expect((await signIn()).status).toBe(401);
    expect((await fetch(`${hub.httpUrl}/`)).status).toBe(200);
    expect(view).toMatch(/gate PASS .*input-drift ✓/);

    // The web page's link, printed in the log and shown beside the console's, enrols a browser
    // into ring web (POST /device/v1/enrol, as the page does with it).
    const link = d.web?.link ?? '';
    expect(link).toMatch(new RegExp(`^${hub.httpUrl.replace(/[.:/]/g, '\\$&')}/web#enrol=[A-Za-z0-9_-]{40,}$`));
    expect(log.join('\n')).toContain(`web page: ${link} (`);
    expect(view.split('\n')).toContain(link);
    const token = new URLSearchParams(link.split('#')[1]).get('enrol');
    const enrolled = await fetch(`${hub.httpUrl}/device/v1/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    expect(enrolled.status).toBe(201);
    const browser = z.object({ id: z.string(), secret: z.string(), ring: z.string() }).parse(await enrolled.json());
    expect(browser).toMatchObject({ id: expect.stringMatching(/^web-/), ring: WEB_RING });
    const tokens = z.object({ tokens: z.array(z.object({ ring: z.string(), maxEnrolments: z.number(), used: z.number(), expiresAt: z.string() })) }).parse(await d.requireApi().get('/api/v1/enrolment-tokens', z.unknown()));
    expect(tokens.tokens).toEqual([expect.objectContaining({ ring: WEB_RING, maxEnrolments: WEB_TOKEN.maxEnrolments, used: 1 })]);
    expect(Date.parse(tokens.tokens[0]?.expiresAt ?? '') - Date.now()).toBeGreaterThan((WEB_TOKEN.ttlS - 600) * 1000);

    // The digits model reaches ring web, then (the rollout having ended) its int8 twin; the
    // completed machine-health rollout, which still takes in late enrolments, leaves the browser alone.
    await d.webRunning;
    expect(d.web?.status, log.join('\n')).toMatch(/^digits 2 \(int8\) rolled out/);
    expect(d.web?.versions).toEqual(['1', '2']);
    const assignment = async () => (await d.requireApi().get('/api/v1/devices', devicesSchema)).devices.find((device) => device.id === browser.id)?.assignment ?? null;
    await expect.poll(assignment, { timeout: 15_000, interval: 250 }).toMatchObject({ model: WEB_MODEL, version: '2' });
    const machineRollout = await d.requireApi().get(`/api/v1/rollouts/${d.rolloutId ?? ''}`, rolloutSchema);
    expect(Object.values(machineRollout.devices).reduce((a, b) => a + b, 0)).toBe(6);
    const webRollout = await d.requireApi().get(`/api/v1/rollouts/${d.web?.switchRolloutId ?? ''}`, rolloutSchema);
    expect(webRollout).toMatchObject({ model: WEB_MODEL, version: '2', state: 'completed' });
    const after = await monitor.poll();
    expect(after.snapshot.web).toEqual({ devices: 1, online: 0, serving: {}, other: 1 });
    expect(after.lines).toContain(`${browser.id} joined ring ${WEB_RING} (a browser, with the web page's link)`);
    expect(statusLine(after.snapshot)).toBe(`rollout completed, step 7 of 7, gate pass; devices serving ${TO_VERSION}: 6`);
  });

  it('--bad: the canary gate fails on input drift and the canary is rolled back to version 1', { timeout: 90_000 }, async () => {
    const { demo: d, ended } = await run({ bad: true });
    expect(ended.state, log.join('\n')).toBe('rolled-back');
    expect(ended.step).toBe(2);
    expect(ended.halt?.reason).toContain('input-drift');
    await expect.poll(() => serving(d), { timeout: 15_000, interval: 250 }).toEqual({ [FROM_VERSION]: 6 });
    const monitor = new Monitor(d.requireApi(), () => ({ model: MODEL, versions: d.versions, rolloutId: d.rolloutId, since: d.startedAt }));
    const { lines } = await monitor.poll();
    expect(lines.join('\n')).toMatch(/HALTED at step 2: gate failed on [a-z-, ]*input-drift.* -> automatic rollback\nROLLED BACK: 1 devices/);
  });
});
