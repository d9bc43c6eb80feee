/**
 * The demo's terminal view fits an 80 x 24 terminal (issue 15 item 8): given a busy state (a
 * halted rollout with warnings, a failing gate, two versions on three rings, browsers, drift in
 * one ring, an open drift alert, notes), every line is at most 80 columns, the view leaves the
 * log its rows, and the important lines (rollout step, device counts, gate, versions per ring,
 * drift, hub URL, token, links) are all there; only what matters least is left out, and links
 * are never cut.
 */
import { describe, expect, it } from 'vitest';
import type { RolloutView } from '../src/demo/api';
import type { Snapshot } from '../src/demo/monitor';
import { LOG_ROWS } from '../src/demo/terminal';
import { renderView, visibleLength, type ViewInfo } from '../src/demo/view';

const TOKEN = 'Zk3pQ9vYx2LmN8rT4wB6cD1eF5gH7jK0';
const CONSOLE_LINK = `http://localhost:8080/#/sign-in?link=${'a'.repeat(43)}`;
const WEB_LINK = `http://127.0.0.1:8080/web#enrol=${'b'.repeat(43)}`;

const info: ViewInfo = {
  httpUrl: 'http://127.0.0.1:8080',
  mqttUrl: 'mqtt://127.0.0.1:1883',
  adminToken: TOKEN,
  consoleLink: CONSOLE_LINK,
  webLink: WEB_LINK,
  webStatus: 'digits 1 rolled out to ring web; its int8 twin follows once the rollout has ended',
  devices: 30,
  rate: 20,
  statsIntervalS: 5,
  bad: true,
  fromVersion: '1',
  notes: ['port 1883 is busy: MQTT on an ephemeral port', 'built the admin console and the /web page (npm run build)'],
  startedAt: new Date('2026-11-25T10:00:00.000Z'),
  rowsAnswered: 123_456,
  requestsFailed: 3,
  driftPeriodS: 60,
};

const ringStep = (ring: string, percent = 100) => ({ kind: 'ring', ring, percent });
const bake = { kind: 'bake', minutes: 20 / 60 };
const gateStep = { kind: 'gate', metrics: [{ metric: 'install-success' }, { metric: 'error-rate' }, { metric: 'latency-p95' }, { metric: 'input-drift' }, { metric: 'prediction-drift' }, { metric: 'ood-rate' }] };
const metric = (name: string, outcome: string, evidence: string) => ({ metric: name, outcome, value: 0.01, control: 0.01, evidence });

const rollout: RolloutView = {
  id: '1a2b3c4d-0000-4000-8000-000000000000',
  model: 'machine-health',
  version: '2',
  state: 'rolled-back',
  step: 2,
  stepStartedAt: '2026-11-25T10:03:00.000Z',
  createdAt: '2026-11-25T10:02:00.000Z',
  halt: { reason: 'gate failed: input-drift (vibration moved 3.1 reference sds on 3 canary devices, PSI 2.7)', at: '2026-11-25T10:04:00.000Z' },
  reverted: true,
  plan: { steps: [ringStep('canary'), bake, gateStep, ringStep('*', 50), bake, gateStep, ringStep('*')] },
  steps: [
    { index: 0, kind: 'ring', state: 'done', devices: { reverting: 2, reverted: 1 } },
    { index: 1, kind: 'bake', state: 'done' },
    { index: 2, kind: 'gate', state: 'current' },
    { index: 3, kind: 'ring', state: 'waiting', devices: {} },
    { index: 4, kind: 'bake', state: 'waiting' },
    { index: 5, kind: 'gate', state: 'waiting' },
    { index: 6, kind: 'ring', state: 'waiting', devices: {} },
  ],
  devices: { reverting: 2, reverted: 1 },
  gate: {
    verdict: 'fail',
    metrics: [
      metric('install-success', 'pass', '3 of 3 devices serve 2'),
      metric('error-rate', 'pass', '0 errors in 1,200 requests (control 0.1%)'),
      metric('latency-p95', 'inconclusive', '80 requests on the new version, 100 needed before the p95 counts'),
      metric('input-drift', 'fail', 'vibration: drift (PSI 2.7, KS p < 1e-12) on 3 of 3 canary devices; temperature ok; pressure ok'),
      metric('prediction-drift', 'fail', 'class ok moved from 91% to 40% of predictions'),
      metric('ood-rate', 'pass', '0.4% (control 0.5%)'),
    ],
    failed: ['input-drift', 'prediction-drift'],
    inconclusive: ['latency-p95'],
  },
  warnings: [{ step: 6, message: 'ring step 7 (the fleet, 100%) takes no device: its 30 devices already joined at earlier steps: the step adds none' }],
};

const snapshot: Snapshot = {
  at: new Date('2026-11-25T10:05:12.000Z'),
  rollout,
  rings: [
    { ring: 'canary', devices: 3, serving: { '1': 1, '2': 1 }, other: 1 },
    { ring: 'early', devices: 9, serving: { '1': 9 }, other: 0 },
    { ring: 'main', devices: 18, serving: { '1': 18 }, other: 0 },
  ],
  web: { devices: 2, online: 1, serving: { '1': 1 }, other: 1 },
  drift: [
    { version: '1', ring: 'canary', verdict: 'ok', n: 1_200, drifting: [] },
    { version: '1', ring: 'early', verdict: 'ok', n: 36_000, drifting: [] },
    { version: '1', ring: 'main', verdict: 'warning', n: 72_000, drifting: ['temperature'] },
    { version: '2', ring: 'canary', verdict: 'drift', n: 900, drifting: ['vibration', 'pressure'] },
    { version: '2', ring: 'early', verdict: 'insufficient-data', n: 0, drifting: [] },
    { version: '2', ring: 'main', verdict: 'insufficient-data', n: 0, drifting: [] },
  ],
  alerts: [{ id: 'al-1', model: 'machine-health', version: '2', status: 'open', severity: 'drift', signals: ['vibration', 'prediction'], openedAt: '2026-11-25T10:05:15.000Z' }],
};

const VIEW_ROWS = 24 - LOG_ROWS;

describe('the demo view on an 80 x 24 terminal', () => {
  const lines = renderView(snapshot, info, { color: false, width: 80, height: VIEW_ROWS });
  const text = lines.join('\n');

  it('has no line wider than 80 columns and leaves the log its rows', () => {
    for (const line of lines) expect(visibleLength(line), line).toBeLessThanOrEqual(80);
    expect(lines.length).toBeLessThanOrEqual(VIEW_ROWS);
    // Coloured, the same columns: escape codes take none.
    const coloured = renderView(snapshot, info, { color: true, width: 80, height: VIEW_ROWS });
    expect(coloured).toHaveLength(lines.length);
    for (const line of coloured) expect(visibleLength(line)).toBeLessThanOrEqual(80);
    expect(coloured.join('\n')).toContain('\x1b[31mROLLED-BACK\x1b[0m');
  });

  it('keeps the important lines: hub, token, links, rollout step, devices, gate, versions per ring, drift, the alert', () => {
    expect(lines[0]).toBe('edgefleet demo  up 5:12  hub http://127.0.0.1:8080  mqtt://127.0.0.1:1883');
    expect(text).toContain(`admin token ${TOKEN}`);
    // Links whole, on lines of their own.
    expect(lines).toContain(CONSOLE_LINK);
    expect(lines).toContain(WEB_LINK);
    expect(text).toContain('rollout 1a2b3c4d  machine-health 1 -> 2  ROLLED-BACK  at step 3/7 gate');
    expect(text).toContain('  halted: gate failed: input-drift');
    expect(text).toContain('  ✓canary ✓bake 20s ▸gate ·fleet 50% ·bake 20s ·gate ·fleet');
    expect(text).toContain('  devices: reverted 1, reverting 2');
    expect(text).toContain('gate FAIL  install ✓  errors ✓  p95 ?  input-drift ✗  pred-drift ✗  ood ✓');
    expect(text).toMatch(/^serving {7}canary \(3\) +early \(9\) +main \(18\)/m);
    expect(text).toMatch(/^ {2}version 1 {3}1 +9 +18$/m);
    expect(text).toMatch(/^ {2}version 2 {3}1 +0 +0$/m);
    expect(text).toMatch(/^ {2}not serving 1 +0 +0$/m);
    expect(text).toMatch(/^drift {2}v1 {5}ok n=1\.2k +ok n=36k +warning temperat…$/m);
    expect(text).toMatch(/^ {7}v2 {5}drift vibration\+… +- +-$/m);
    expect(text).toContain('30 devices, 20 rows/s, windows 5 s, drift period 60 s, 123,456 rows, 3 failed');
    expect(text).toContain('drift alert OPEN on version 2: drift on vibration, prediction since 10:05:15');
  });

  it('leaves out only what matters least when rows run short', () => {
    // The notes, the web status and the failing gate metrics' evidence go first.
    expect(text).not.toContain('note: ');
    expect(text).not.toContain('its int8 twin follows');
    // With room, everything is there, in the same order.
    const tall = renderView(snapshot, info, { color: false, width: 80, height: 60 });
    expect(tall.length).toBeGreaterThan(lines.length);
    expect(tall.join('\n')).toContain('note: port 1883 is busy');
    expect(tall.join('\n')).toContain('  ✗ input-drift: vibration: drift');
    expect(tall.filter((line) => lines.includes(line))).toEqual(lines);
  });

  it('counts a link longer than the terminal is wide by the rows it takes, and never cuts it', () => {
    const longLink = `http://localhost:41234/#/sign-in?link=${'c'.repeat(43)}`;
    expect(longLink.length).toBe(81);
    const view = renderView(snapshot, { ...info, consoleLink: longLink }, { color: false, width: 80, height: VIEW_ROWS });
    expect(view).toContain(longLink);
    const rows = view.reduce((sum, line) => sum + Math.max(1, Math.ceil(visibleLength(line) / 80)), 0);
    expect(rows).toBeLessThanOrEqual(VIEW_ROWS);
    for (const line of view) if (line !== longLink) expect(visibleLength(line)).toBeLessThanOrEqual(80);
  });

  it('fits while setting up too, and says no alert is open with the period the hub judges', () => {
    const setup = renderView({ ...snapshot, rollout: null, drift: [], alerts: [] }, { ...info, consoleLink: null, webLink: null }, { color: false, width: 80, height: VIEW_ROWS });
    expect(setup.length).toBeLessThanOrEqual(VIEW_ROWS);
    for (const line of setup) expect(visibleLength(line)).toBeLessThanOrEqual(80);
    expect(setup.join('\n')).toContain('setting up: the rollout starts once both versions are trained');
    expect(setup.join('\n')).toContain('admin console http://127.0.0.1:8080/');
    expect(setup.join('\n')).toContain('drift alerts none open (the hub judges every 60 s period)');
  });
});
