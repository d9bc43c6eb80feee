/**
 * The terminal view: a pure function from a snapshot to lines (so it is tested without a
 * terminal). Colours only when asked (a TTY); every line is cut to the terminal's width so the
 * frame never wraps and the redraw stays in place, and it fits the rows it is given (80 x 24
 * included) by leaving out its least important lines.
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
  /** the hub's drift period (EDGEFLEET_DRIFT_PERIOD_S) */
  driftPeriodS: number;
}

export interface ViewOptions {
  color: boolean;
  /** terminal columns */
  width: number;
  /** terminal rows the view may take (the log gets the rest); default: no limit */
  height?: number;
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

/**
 * How much a line matters when the terminal is short: 0 always stays (rollout step, gate,
 * versions per ring, drift, hub URL, token, links), higher numbers go first, from the bottom.
 */
type Priority = 0 | 1 | 2 | 3;

interface Line {
  text: string;
  priority: Priority;
  /** a link: never cut (a cut link is useless), so it may take more than one row on a narrow terminal */
  whole?: boolean;
}

type Paint = (text: string, tone: Tone) => string;

/**
 * The live view, made to fit `width` x `height` (80 x 24 leaves 20 rows with the log under it):
 * every line is cut to the width, never wrapped (links excepted, which are printed whole), and
 * when rows run short the least important lines are left out.
 */
export function renderView(snapshot: Snapshot, info: ViewInfo, options: ViewOptions): string[] {
  const paint: Paint = (text, tone) => (options.color && tone !== 'plain' ? `\x1b[${CODES[tone]}m${text}\x1b[0m` : text);
  const lines: Line[] = [
    ...headerLines(snapshot, info, paint),
    ...(snapshot.rollout ? [...rolloutLines(snapshot.rollout, info.fromVersion, snapshot.at, paint), ...gateLines(snapshot.rollout.gate, paint)] : [{ text: paint('setting up: the rollout starts once both versions are trained and version 1 serves everywhere', 'dim'), priority: 0 as const }]),
    ...tableLines(snapshot.rings, snapshot.drift, options.width, paint),
    ...webLines(snapshot.web, info, paint),
    alertLine(snapshot.alerts, info.driftPeriodS, paint),
  ];
  // Padding at a line's end is dropped: nothing is drawn there (the redraw clears to the end anyway).
  return fit(lines, options.width, options.height ?? Number.POSITIVE_INFINITY).map((line) => (line.whole ? line.text : cut(line.text, options.width).replace(/ +$/, '')));
}

/** Terminal rows a line takes at `width` (only whole lines can take more than one). */
const rowsOf = (line: Line, width: number): number => (line.whole ? Math.max(1, Math.ceil(visibleLength(line.text) / Math.max(1, width))) : 1);

/** Leaves out the least important lines, the lowest on screen first, until the rest fit `height` rows. */
function fit(lines: readonly Line[], width: number, height: number): Line[] {
  const kept = [...lines];
  let rows = kept.reduce((sum, line) => sum + rowsOf(line, width), 0);
  for (let priority = 3; priority > 0 && rows > height; priority--) {
    for (let i = kept.length - 1; i >= 0 && rows > height; i--) {
      const line = kept[i];
      if (line?.priority !== priority) continue;
      rows -= rowsOf(line, width);
      kept.splice(i, 1);
    }
  }
  return kept;
}

function headerLines(snapshot: Snapshot, info: ViewInfo, paint: Paint): Line[] {
  const uptime = formatDuration(snapshot.at.getTime() - info.startedAt.getTime());
  const failed = info.requestsFailed > 0 ? paint(`, ${info.requestsFailed} failed`, 'warn') : '';
  return [
    { text: `${paint('edgefleet demo', 'bold')}  up ${uptime}  hub ${info.httpUrl}  ${info.mqttUrl}`, priority: 0 },
    { text: `admin token ${info.adminToken}  ${paint('(Authorization: Bearer <token>)', 'dim')}`, priority: 0 },
    ...(info.consoleLink ? [] : [{ text: `admin console ${info.httpUrl}/`, priority: 0 as const }]),
    ...(info.consoleLink || info.webLink ? [{ text: paint(`${info.consoleLink ? 'admin console, one-time sign-in link' : ''}${info.consoleLink && info.webLink ? '; then ' : ''}${info.webLink ? 'web page (draw a digit)' : ''}:`, 'dim'), priority: 1 as const }] : []),
    ...(info.consoleLink ? [{ text: info.consoleLink, priority: 0 as const, whole: true }] : []),
    ...(info.webLink ? [{ text: info.webLink, priority: 0 as const, whole: true }] : []),
    { text: `${info.devices} devices, ${info.rate} rows/s, windows ${info.statsIntervalS} s, drift period ${info.driftPeriodS} s, ${info.rowsAnswered.toLocaleString('en')} rows${failed}`, priority: 1 },
    ...(info.bad ? [{ text: paint('--bad: version 2 was trained on miscalibrated vibration readings', 'warn'), priority: 2 as const }] : []),
    ...info.notes.map((n) => ({ text: paint(`note: ${n}`, 'warn'), priority: 3 as const })),
  ];
}

type Step = RolloutView['plan']['steps'][number];

function stepLabel(step: Step): string {
  switch (step.kind) {
    case 'ring':
      return `${step.ring === '*' ? 'fleet' : (step.ring ?? '?')}${(step.percent ?? 100) < 100 ? ` ${step.percent}%` : ''}`;
    case 'bake':
      return `bake ${Math.round((step.minutes ?? 0) * 60)}s`;
    default:
      return step.kind;
  }
}

function rolloutLines(rollout: RolloutView, from: string, at: Date, paint: Paint): Line[] {
  const steps = rollout.plan.steps;
  const current = steps[rollout.step];
  const inStep = Math.max(0, Math.round((at.getTime() - Date.parse(rollout.stepStartedAt)) / 1000));
  const label = `step ${rollout.step + 1}/${steps.length} ${current ? stepLabel(current) : '?'}`;
  const where = rollout.step >= steps.length ? 'all steps done' : rollout.state === 'running' ? `${label}, ${inStep} s in` : `at ${label}`;
  const marks = rollout.steps.map((s, i) => {
    const plan = steps[i];
    const text = plan ? stepLabel(plan) : s.kind;
    if (s.state === 'done') return paint(`✓${text}`, s.warning ? 'warn' : 'good');
    if (s.state === 'current') return paint(`▸${text}`, 'warn');
    return paint(`·${text}`, 'dim');
  });
  const devices = Object.entries(rollout.devices)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${paint(status, toneOf(status))} ${n}`);
  const warnings = rollout.warnings ?? [];
  return [
    { text: `${paint('rollout', 'bold')} ${rollout.id.slice(0, 8)}  ${rollout.model} ${from} -> ${rollout.version}  ${paint(rollout.state.toUpperCase(), toneOf(rollout.state))}  ${where}`, priority: 0 },
    ...(rollout.halt ? [{ text: paint(`  halted: ${rollout.halt.reason}`, 'bad'), priority: 0 as const }] : []),
    { text: `  ${marks.join(' ')}`, priority: 0 },
    { text: `  devices: ${devices.join(', ') || 'none yet'}`, priority: 1 },
    ...warnings.map((w) => ({ text: paint(`  warning: ${w.message}`, 'warn'), priority: 1 as const })),
  ];
}

/** Gate metrics by short names, with a mark per outcome. */
const METRIC_NAMES: Record<string, string> = { 'install-success': 'install', 'probe-failures': 'probes', 'error-rate': 'errors', 'latency-p95': 'p95', 'input-drift': 'input-drift', 'prediction-drift': 'pred-drift', 'ood-rate': 'ood', 'shadow-agreement': 'shadow' };
const MARKS: Record<string, string> = { pass: '✓', fail: '✗', inconclusive: '?' };

function gateLines(gate: GateView | null, paint: Paint): Line[] {
  if (!gate) return [{ text: paint('gate: no report yet (the first gate step computes one)', 'dim'), priority: 0 }];
  const metrics = gate.metrics.map((m) => paint(`${METRIC_NAMES[m.metric] ?? m.metric} ${MARKS[m.outcome] ?? m.outcome}`, toneOf(m.outcome)));
  const failing = gate.metrics.filter((m) => m.outcome !== 'pass');
  return [
    { text: `${paint('gate', 'bold')} ${paint(gate.verdict.toUpperCase(), toneOf(gate.verdict))}  ${metrics.join('  ')}`, priority: 0 },
    ...failing.map((m) => ({ text: paint(`  ${MARKS[m.outcome] ?? m.outcome} ${m.metric}: ${m.evidence}`, toneOf(m.outcome)), priority: 2 as const })),
  ];
}

/** Versions served and drift verdicts, one column per ring. */
function tableLines(rings: readonly RingRow[], cells: readonly DriftCell[], width: number, paint: Paint): Line[] {
  const LABEL = 14;
  const column = Math.max(8, Math.min(18, Math.floor((width - LABEL) / Math.max(1, rings.length))));
  const pad = (text: string): string => fitText(text, column - 1).padEnd(column);
  const versions = [...new Set([...rings.flatMap((r) => Object.keys(r.serving)), ...cells.map((c) => c.version)])].sort();
  const lines: Line[] = [{ text: `${paint('serving'.padEnd(LABEL), 'bold')}${rings.map((r) => pad(`${r.ring} (${r.devices})`)).join('')}`, priority: 0 }];
  for (const v of versions) lines.push({ text: `${`  version ${v}`.padEnd(LABEL)}${rings.map((r) => pad(String(r.serving[v] ?? 0))).join('')}`, priority: 0 });
  if (rings.some((r) => r.other > 0)) lines.push({ text: paint(`${'  not serving'.padEnd(LABEL)}${rings.map((r) => pad(String(r.other))).join('')}`, 'warn'), priority: 1 });
  const drifted = [...new Set(cells.map((c) => c.version))];
  for (const v of drifted) {
    const row = rings.map((ring) => {
      const cell = cells.find((c) => c.version === v && c.ring === ring.ring);
      if (!cell || cell.n === 0) return paint(pad('-'), 'dim');
      const named = cell.drifting.length === 0 ? '' : ` ${cell.drifting[0]}${cell.drifting.length > 1 ? `+${cell.drifting.length - 1}` : ''}`;
      const verdict = cell.verdict === 'insufficient-data' ? 'few data' : cell.verdict;
      return paint(pad(`${verdict}${named} ${compact(cell.n)}`), toneOf(cell.verdict));
    });
    const label = `${v === drifted[0] ? 'drift' : '     '}  v${v}`.padEnd(LABEL);
    lines.push({ text: `${v === drifted[0] ? `${paint('drift', 'bold')}${label.slice(5)}` : label}${row.join('')}`, priority: 0 });
  }
  return lines;
}

/** The browsers of ring `web`, with what the web part is at. */
function webLines(web: WebRow, info: ViewInfo, paint: Paint): Line[] {
  if (!info.webLink && web.devices === 0) return [];
  const served = Object.entries(web.serving)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([v, n]) => `${WEB_MODEL} ${v} on ${n}`);
  const browsers =
    web.devices === 0
      ? paint('no browser yet: open the web page link above', 'dim')
      : `${web.devices} browser${web.devices === 1 ? '' : 's'}, ${web.online} online${served.length > 0 ? `: ${served.join(', ')}` : ''}${web.other > 0 ? paint(`; ${web.other} not serving`, 'dim') : ''}`;
  return [{ text: `${paint(`ring ${WEB_RING}`, 'bold')}     ${browsers}`, priority: 2 }, ...(info.webStatus ? [{ text: paint(`             ${info.webStatus}`, 'dim'), priority: 3 as const }] : [])];
}

function alertLine(alerts: Snapshot['alerts'], periodS: number, paint: Paint): Line {
  const open = alerts[0];
  if (!open) return { text: `${paint('drift alerts', 'bold')} none open ${paint(`(the hub judges every ${periodS} s period)`, 'dim')}`, priority: 0 };
  const more = alerts.length > 1 ? ` (+${alerts.length - 1} more)` : '';
  return { text: `${paint('drift alert', 'bold')} ${paint('OPEN', 'bad')} on version ${open.version}: ${paint(open.severity, toneOf(open.severity))} on ${open.signals.join(', ') || '?'} since ${open.openedAt.slice(11, 19)}${more}`, priority: 0 };
}

/** 950 -> "n=950", 12345 -> "n=12k". */
function compact(n: number): string {
  if (n < 1_000) return `n=${n}`;
  if (n < 10_000) return `n=${(n / 1_000).toFixed(1)}k`;
  return `n=${Math.round(n / 1_000)}k`;
}

/** Text cut to `width` characters with an ellipsis. */
function fitText(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
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

/** Columns a line takes on screen (ANSI colour codes take none). */
export function visibleLength(line: string): number {
  return line.replace(/\[[0-9;]*m/g, '').length;
}
