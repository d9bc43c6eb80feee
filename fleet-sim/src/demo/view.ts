/**
 * The terminal view: a pure function from a snapshot to lines (so it is tested without a
 * terminal). Colours only when asked (a TTY); every line is cut to the terminal's width so the
 * frame never wraps and the redraw stays in place.
 */
import type { GateView, RolloutView } from './api';
import type { DriftCell, RingRow, Snapshot, WebRow } from './monitor';
import { WEB_MODEL, WEB_RING } from './web';

export interface ViewInfo {
  httpUrl: string;
  mqttUrl: string;
  adminToken: string;
  /** the admin console's one-time sign-in link, once made */
  consoleLink: string | null;
  /** the web page's enrolment link `<hub>/web#enrol=<token>`, once issued */
  webLink: string | null;
  /** what the web page's part is at (web.ts), in a few words */
  webStatus: string | null;
  devices: number;
  rate: number;
  statsIntervalS: number;
  bad: boolean;
  /** the version the rollout replaces */
  fromVersion: string;
  notes: readonly string[];
  startedAt: Date;
  rowsAnswered: number;
  /** requests the agents refused or that timed out */
  requestsFailed: number;
}

export interface ViewOptions {
  color: boolean;
  /** terminal columns */
  width: number;
}

type Tone = 'good' | 'bad' | 'warn' | 'dim' | 'bold' | 'plain';
const CODES: Record<Tone, string> = { good: '32', bad: '31', warn: '33', dim: '2', bold: '1', plain: '' };

/** The tone of a state, verdict or outcome word. */
export function toneOf(word: string): Tone {
  if (['pass', 'ok', 'completed', 'serving', 'done'].includes(word)) return 'good';
  if (['fail', 'failed', 'drift', 'halted', 'rolled-back', 'aborted', 'timed-out'].includes(word)) return 'bad';
  if (['inconclusive', 'warning', 'paused', 'current', 'reverting', 'downloading'].includes(word)) return 'warn';
  if (['insufficient-data', 'waiting', 'pending', '-'].includes(word)) return 'dim';
  return 'plain';
}

export function renderView(snapshot: Snapshot, info: ViewInfo, options: ViewOptions): string[] {
  const paint = (text: string, tone: Tone): string => (options.color && tone !== 'plain' ? `\x1b[${CODES[tone]}m${text}\x1b[0m` : text);
  const word = (text: string, width = 0): string => paint(text.padEnd(width), toneOf(text));
  const uptime = formatDuration(snapshot.at.getTime() - info.startedAt.getTime());
  const lines: string[] = [
    `${paint('edgefleet demo', 'bold')}  hub ${info.httpUrl}  MQTT ${info.mqttUrl}  up ${uptime}`,
    `admin console ${info.consoleLink ?? `${info.httpUrl}/`}${info.consoleLink ? '  (one-time sign-in link; then sign in with the admin token)' : ''}`,
    ...(info.webLink ? [`web page ${info.webLink}  (draw a digit: the fleet's model answers in your browser)`] : []),
    `admin token ${info.adminToken}`,
    paint(`  e.g. curl -s -H "Authorization: Bearer ${info.adminToken}" ${info.httpUrl}/api/v1/rollouts${snapshot.rollout ? `/${snapshot.rollout.id}` : ''}`, 'dim'),
    `${info.devices} devices, ${info.rate} rows/s each, statistics windows every ${info.statsIntervalS} s, ${info.rowsAnswered.toLocaleString('en')} rows answered${info.requestsFailed > 0 ? paint(`, ${info.requestsFailed} requests failed`, 'warn') : ''}${info.bad ? paint('  --bad: version 2 was trained on miscalibrated readings', 'warn') : ''}`,
    ...info.notes.map((n) => paint(`note: ${n}`, 'warn')),
    '',
  ];
  const rollout = snapshot.rollout;
  if (!rollout) lines.push(paint('setting up: the rollout starts once both versions are trained and version 1 serves everywhere', 'dim'));
  else lines.push(...rolloutLines(rollout, info.fromVersion, snapshot.at, paint, word), '', ...gateLines(rollout.gate, paint, word));
  lines.push('', ...ringLines(snapshot.rings, paint), ...webLines(snapshot.web, info, paint), '', ...driftLines(snapshot.drift, paint, word));
  return lines.map((line) => cut(line, options.width));
}

type Paint = (text: string, tone: Tone) => string;
type Word = (text: string, width?: number) => string;

function stepLabel(step: RolloutView['plan']['steps'][number]): string {
  switch (step.kind) {
    case 'ring':
      return `ring ${step.ring === '*' ? 'fleet' : (step.ring ?? '?')} ${step.percent ?? 100}%`;
    case 'bake':
      return `bake ${Math.round((step.minutes ?? 0) * 60)} s`;
    case 'gate':
      return `gate (${step.metrics?.length ?? 0} metrics)`;
    default:
      return step.kind;
  }
}

function rolloutLines(rollout: RolloutView, from: string, at: Date, paint: Paint, word: Word): string[] {
  const steps = rollout.plan.steps;
  const current = steps[rollout.step];
  const inStep = Math.max(0, Math.round((at.getTime() - Date.parse(rollout.stepStartedAt)) / 1000));
  const label = `step ${rollout.step} of ${steps.length}: ${current ? stepLabel(current) : '?'}`;
  const where = rollout.step >= steps.length ? 'all steps done' : rollout.state === 'running' ? `${label}, ${inStep} s in` : `stopped at ${label}`;
  const lines = [`${paint('rollout', 'bold')} ${rollout.id.slice(0, 8)}  ${rollout.model} ${from} -> ${rollout.version}  ${paint(rollout.state.toUpperCase(), toneOf(rollout.state))}  ${where}`];
  if (rollout.halt) lines.push(paint(`  halted: ${rollout.halt.reason}`, 'bad'));
  lines.push(paint(`     ${'#'.padEnd(2)} ${'step'.padEnd(18)} ${'state'.padEnd(9)} devices`, 'dim'));
  rollout.steps.forEach((s, i) => {
    const plan = steps[i];
    const marker = s.state === 'done' ? paint('✓', 'good') : s.state === 'current' ? paint('▸', 'warn') : ' ';
    const devices = s.devices ? Object.entries(s.devices).map(([status, n]) => `${word(status)} ${n}`).join(', ') : '';
    lines.push(`   ${marker} ${String(i).padEnd(2)} ${(plan ? stepLabel(plan) : s.kind).padEnd(18)} ${word(s.state, 9)} ${devices}`);
  });
  return lines;
}

function gateLines(gate: GateView | null, paint: Paint, word: Word): string[] {
  if (!gate) return [paint('gate: no report yet (the first gate step computes one)', 'dim')];
  const lines = [`${paint('latest gate report', 'bold')}: ${word(gate.verdict)}`];
  for (const m of gate.metrics) lines.push(`   ${m.metric.padEnd(17)} ${word(m.outcome, 13)} ${paint(m.evidence, 'dim')}`);
  return lines;
}

function ringLines(rings: readonly RingRow[], paint: Paint): string[] {
  const versions = [...new Set(rings.flatMap((r) => Object.keys(r.serving)))].sort();
  const lines = [`${paint('versions served', 'bold')}    ${rings.map((r) => `${r.ring} (${r.devices})`.padEnd(14)).join('')}`];
  for (const v of versions) lines.push(`   ${`version ${v}`.padEnd(16)}${rings.map((r) => String(r.serving[v] ?? 0).padEnd(14)).join('')}`);
  if (rings.some((r) => r.other > 0)) lines.push(paint(`   ${'not serving'.padEnd(16)}${rings.map((r) => String(r.other).padEnd(14)).join('')}`, 'warn'));
  return lines;
}

/** The browsers of ring `web` under the agents' rings, with what the web part is at. */
function webLines(web: WebRow, info: ViewInfo, paint: Paint): string[] {
  if (!info.webLink && web.devices === 0) return [];
  const served = Object.entries(web.serving)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([v, n]) => `${WEB_MODEL} ${v} on ${n}`);
  const browsers =
    web.devices === 0
      ? paint('no browser yet: open the web page link above', 'dim')
      : `${web.devices} browser${web.devices === 1 ? '' : 's'}, ${web.online} online${served.length > 0 ? `: ${served.join(', ')}` : ''}${web.other > 0 ? paint(`; ${web.other} not serving`, 'dim') : ''}`;
  return [`   ${`ring ${WEB_RING}`.padEnd(16)}${browsers}`, ...(info.webStatus ? [paint(`   ${''.padEnd(16)}${info.webStatus}`, 'dim')] : [])];
}

function driftLines(cells: readonly DriftCell[], paint: Paint, word: Word): string[] {
  const rings = [...new Set(cells.map((c) => c.ring))];
  const versions = [...new Set(cells.map((c) => c.version))];
  const lines = [`${paint('drift verdicts', 'bold')}    ${rings.map((r) => r.padEnd(24)).join('')}`];
  for (const v of versions) {
    const row = rings.map((ring) => {
      const cell = cells.find((c) => c.version === v && c.ring === ring);
      if (!cell || cell.n === 0) return word('-', 24);
      const named = cell.drifting.length === 0 ? '' : ` (${cell.drifting[0]}${cell.drifting.length > 1 ? ` +${cell.drifting.length - 1}` : ''})`;
      const text = `${cell.verdict}${named} n=${cell.n}`;
      return paint(text.slice(0, 23).padEnd(24), toneOf(cell.verdict));
    });
    lines.push(`   ${`version ${v}`.padEnd(15)}${row.join('')}`);
  }
  return lines;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** One line for logs and non-terminal output: the rollout's state and what each version serves. */
export function statusLine(snapshot: Snapshot): string {
  const r = snapshot.rollout;
  const served = new Map<string, number>();
  for (const ring of snapshot.rings) for (const [v, n] of Object.entries(ring.serving)) served.set(v, (served.get(v) ?? 0) + n);
  const versions = [...served].sort().map(([v, n]) => `${v}: ${n}`).join(', ');
  const rollout = r ? `rollout ${r.state}, step ${Math.min(r.step, r.plan.steps.length)} of ${r.plan.steps.length}${r.gate ? `, gate ${r.gate.verdict}` : ''}` : 'setting up';
  return `${rollout}; devices serving ${versions || 'nothing yet'}`;
}

/** Cuts a line to `width` visible columns, keeping ANSI colour codes intact. */
export function cut(line: string, width: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\x1b') {
      const end = line.indexOf('m', i);
      if (end !== -1) {
        out += line.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (visible >= width) continue;
    out += line[i];
    visible++;
  }
  return out;
}
