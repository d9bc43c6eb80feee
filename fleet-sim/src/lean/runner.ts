/**
 * Runs a scenario (scenario.ts) against a hub the caller started, with a lean fleet, and returns
 * a report. Stages: given (rings, enrolment in parallel batches, child processes, connect with
 * the ramp, the starting version pinned and served) -> when (each step at its time, after its
 * `waitFor`) -> then (each expectation until it holds or its deadline) -> timings and counters.
 * Hub and broker restarts go through the caller's callbacks; the hub must come back on the same
 * URLs. A failure in `given` or `when` ends the run (reported in `error`, the expectations
 * then marked not checked); API calls that fail while polling count as "not yet".
 */
import { z } from 'zod';
import { isValidDeviceId } from '@edgefleet/protocol';
import { AdminApi, enrolDevices, pinDevices, putRings, statsViewSchema } from './hub-api';
import { devicesSchema, driftSchema } from '../demo/api';
import { LeanFleet } from './lean-fleet';
import type { DeviceState, ProcessTally } from './lean-process';
import { connectTimes, delaysAfter, resolveSelect, type FleetMember, type Percentiles } from './measures';
import { scenarioSchema, type Action, type Condition, type Expectation, type ScenarioInput, type Scenario, type Select } from './scenario';

export interface ScenarioHooks {
  hubUrl: string;
  adminToken: string;
  /** stops and starts the hub on the same data dir and URLs (scenario action `restart-hub`) */
  restartHub?: () => Promise<void>;
  /** restarts an external broker (action `restart-broker`) */
  restartBroker?: () => Promise<void>;
  log?: (line: string) => void;
  /** every this many seconds, log connected devices, queued windows and counters (default: never) */
  progressEveryS?: number;
}

export interface StepReport {
  label: string;
  kind: Action['kind'];
  atS: number;
  /** seconds after `when` started that it ran; null when it never did */
  ranAtS: number | null;
  detail: string;
  /** from this step until each affected device had its desired doc / served a doc that came after it */
  desired?: Percentiles;
  serving?: Percentiles;
}

export interface ExpectationReport {
  kind: Expectation['kind'];
  ok: boolean;
  detail: string;
}

export interface ScenarioReport {
  name: string;
  passed: boolean;
  durationS: number;
  setup: { devices: number; processes: number; enrolS: number; connect: Percentiles | null; servingS: number | null };
  steps: StepReport[];
  expectations: ExpectationReport[];
  tally: ProcessTally | null;
  /** what stopped the run early, if anything */
  error: string | null;
}

const rolloutIdSchema = z.looseObject({ id: z.string(), state: z.string() });
/** Steps after which delays until the desired doc / serving are worth reporting. */
const TIMED: ReadonlySet<Action['kind']> = new Set(['pin', 'rollout', 'rollback', 'restart-hub', 'restart-broker', 'reconnect-storm', 'crash', 'churn']);
const seconds = (ms: number): number => Math.round(ms) / 1000;

export async function runScenario(input: ScenarioInput, hooks: ScenarioHooks): Promise<ScenarioReport> {
  const scenario = scenarioSchema.parse(input);
  return new Run(scenario, hooks).run();
}

class Run {
  private readonly api: AdminApi;
  private readonly members: FleetMember[];
  private fleet: LeanFleet | null = null;
  private lastRollout: string | null = null;
  private readonly startedAt = Date.now();
  private readonly stepTimes = new Map<string, { at: number; ids: Set<string> | undefined }>();
  private readonly report: ScenarioReport;
  private readonly log: (line: string) => void;

  constructor(
    private readonly scenario: Scenario,
    private readonly hooks: ScenarioHooks,
  ) {
    this.api = new AdminApi({ httpUrl: hooks.hubUrl, adminToken: hooks.adminToken });
    const { idPrefix, fleet } = scenario.given;
    // Numbered per ring across entries, so two entries of one ring never share an id.
    const perRing = new Map<string, number>();
    this.members = fleet.flatMap((entry) =>
      Array.from({ length: entry.size }, () => {
        const n = (perRing.get(entry.ring) ?? 0) + 1;
        perRing.set(entry.ring, n);
        return { id: `${idPrefix}-${entry.ring}-${n}`, ring: entry.ring, group: entry.group, tags: entry.tags };
      }),
    );
    this.log = hooks.log ?? (() => {});
    this.report = { name: scenario.name, passed: false, durationS: 0, setup: { devices: this.members.length, processes: 0, enrolS: 0, connect: null, servingS: null }, steps: [], expectations: [], tally: null, error: null };
  }

  async run(): Promise<ScenarioReport> {
    const progress = this.hooks.progressEveryS ? setInterval(() => void this.progress(), this.hooks.progressEveryS * 1000) : null;
    try {
      await this.given();
      await this.when();
    } catch (error) {
      this.report.error = error instanceof Error ? error.message : String(error);
      this.log(`stopped: ${this.report.error}`);
    }
    try {
      if (this.fleet) {
        for (const expectation of this.scenario.then) {
          // After a failed given/when, a verdict would only wait out its deadline.
          this.report.expectations.push(this.report.error === null ? await this.check(expectation) : { kind: expectation.kind, ok: false, detail: 'not checked: the run stopped early' });
        }
        const timings = await this.fleet.timings();
        for (const step of this.report.steps) {
          const time = this.stepTimes.get(step.label);
          if (!time || !TIMED.has(step.kind)) continue;
          const { desired, serving } = delaysAfter(timings, time.at, time.ids);
          step.desired = desired;
          // A storm or restart brings no new doc: nothing to serve, nothing to report.
          if (serving.n > 0) step.serving = serving;
        }
        this.report.tally = await this.fleet.tally();
      }
    } finally {
      if (progress) clearInterval(progress);
      await this.fleet?.close();
    }
    this.report.passed = this.report.error === null && this.report.expectations.every((e) => e.ok);
    this.report.durationS = seconds(Date.now() - this.startedAt);
    return this.report;
  }

  private async given(): Promise<void> {
    const { given } = this.scenario;
    const invalid = this.members.find((m) => !isValidDeviceId(m.id));
    if (invalid) throw new Error(`given: device id ${invalid.id} is not a valid device id (idPrefix and ring names too long?)`);
    await putRings(this.api, [...new Set(given.fleet.map((f) => f.ring))]);
    const enrolStart = Date.now();
    const secrets = await enrolDevices(this.api, this.members, given.concurrency);
    this.report.setup.enrolS = seconds(Date.now() - enrolStart);
    this.log(`${this.members.length} devices enrolled in ${this.report.setup.enrolS} s`);
    this.fleet = await LeanFleet.start({
      hubUrl: this.hooks.hubUrl,
      devices: this.members.map((m, i) => ({ id: m.id, ring: m.ring, group: m.group, secret: secrets.get(m.id) ?? '', seed: i + 1 })),
      groups: given.groups,
      options: given.lean,
      maxDevicesPerProcess: given.devicesPerProcess,
    });
    this.report.setup.processes = this.fleet.processes;
    await this.fleet.connect(given.connect.rampS * 1000);
    await this.fleet.waitUntil({ kind: 'connected' }, given.connect.withinS * 1000);
    this.report.setup.connect = connectTimes(await this.fleet.timings());
    this.log(`${this.members.length} devices connected in ${this.fleet.processes} processes: ${JSON.stringify(this.report.setup.connect)}`);
    if (given.serving) {
      const { model, version } = given.serving;
      const pinStart = Date.now();
      await pinDevices(this.api, this.members.map((m) => m.id), model, version, given.concurrency);
      const result = await this.await({ kind: 'serving', model, version, select: {}, withinS: given.connect.withinS });
      if (!result.ok) throw new Error(`given: ${result.detail}`);
      this.report.setup.servingS = seconds(Date.now() - pinStart);
      this.log(`every device serves ${model}@${version}, ${this.report.setup.servingS} s after the pins started`);
    }
  }

  private async when(): Promise<void> {
    const start = Date.now();
    for (const [i, step] of this.scenario.when.entries()) {
      const label = step.label ?? `${i + 1}:${step.do.kind}`;
      const report: StepReport = { label, kind: step.do.kind, atS: step.atS, ranAtS: null, detail: '' };
      this.report.steps.push(report);
      const wait = start + step.atS * 1000 - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (step.waitFor) {
        const ready = await this.await(step.waitFor);
        if (!ready.ok) {
          report.detail = `waitFor ${ready.detail}`;
          throw new Error(`step ${label}: ${report.detail}`);
        }
      }
      const at = Date.now();
      report.ranAtS = seconds(at - start);
      const ids = 'select' in step.do ? resolveSelect(this.members, step.do.select, label) : undefined;
      this.stepTimes.set(label, { at, ids: ids ? new Set(ids) : undefined });
      try {
        report.detail = await this.perform(step.do, ids ?? []);
      } catch (error) {
        report.detail = `failed: ${error instanceof Error ? error.message : String(error)}`;
        throw new Error(`step ${label}: ${report.detail}`);
      }
      this.log(`${report.ranAtS}s ${label}: ${report.detail}`);
    }
  }

  private async perform(action: Action, ids: string[]): Promise<string> {
    const fleet = this.requireFleet();
    switch (action.kind) {
      case 'drift':
        return `${await fleet.apply({ kind: 'drift', ids, drift: action.drift })} devices drifted`;
      case 'crash':
        return `${await fleet.apply({ kind: 'crash', ids, downMs: action.downS * 1000 })} agents crashed`;
      case 'churn':
        return `${await fleet.apply({ kind: 'disconnect', ids, downMs: action.downS * 1000, rampMs: action.rampS * 1000 })} devices offline`;
      case 'reconnect-storm':
        return `${await fleet.apply({ kind: 'disconnect', ids, downMs: 0, rampMs: action.rampS * 1000 })} devices reconnecting`;
      case 'fault':
        return `${await fleet.apply({ kind: 'fault', ids, fault: action.fault, slowMs: action.slowS * 1000 })} devices with fault ${action.fault}`;
      case 'restart-hub':
      case 'restart-broker': {
        const restart = action.kind === 'restart-hub' ? this.hooks.restartHub : this.hooks.restartBroker;
        if (!restart) throw new Error(`${action.kind}: the caller gave no callback for it`);
        await restart();
        return 'restarted';
      }
      case 'pin':
        await pinDevices(this.api, ids, action.model, action.version, this.scenario.given.concurrency);
        return `${ids.length} devices pinned to ${action.model}@${action.version}`;
      case 'rollout': {
        const body = { model: action.model, version: action.version, ...(action.plan === undefined ? {} : { plan: action.plan }), ...(action.supersede === undefined ? {} : { supersede: action.supersede }) };
        const created = await this.api.post('/api/v1/rollouts', rolloutIdSchema, { json: body });
        this.lastRollout = created.id;
        return `rollout ${created.id} of ${action.model}@${action.version}: ${created.state}`;
      }
      case 'rollback': {
        if (!this.lastRollout) throw new Error('rollback: this scenario created no rollout');
        const view = await this.api.post(`/api/v1/rollouts/${this.lastRollout}/rollback`, rolloutIdSchema, { json: { reason: action.reason } });
        return `rollout ${view.id}: ${view.state}`;
      }
      case 'flush-stats':
        await fleet.setStats(true, true);
        return 'windows closed';
    }
  }

  // ---- conditions and expectations ----

  private async check(expectation: Expectation): Promise<ExpectationReport> {
    try {
      switch (expectation.kind) {
        case 'stats-exact':
          return await this.statsExact(expectation.model, expectation.version, expectation.withinS);
        case 'drift':
          return await this.drift(expectation);
        case 'delay': {
          const time = this.stepTimes.get(expectation.after);
          if (!time) return { kind: 'delay', ok: false, detail: `no step labelled ${expectation.after} ran` };
          const ids = new Set(resolveSelect(this.members, expectation.select));
          const measured = delaysAfter(await this.requireFleet().timings(), time.at, ids)[expectation.of];
          const limits: [string, number | null, number | undefined][] = [['p50', measured.p50S, expectation.p50MaxS], ['p99', measured.p99S, expectation.p99MaxS], ['max', measured.maxS, expectation.maxS]];
          const broken = limits.filter(([, value, max]) => max !== undefined && (value === null || value > max)).map(([name, value, max]) => `${name} ${value ?? 'none'} s > ${max} s`);
          if (measured.missing > 0) broken.push(`${measured.missing} devices never had it`);
          return { kind: 'delay', ok: broken.length === 0, detail: `${expectation.of} after ${expectation.after}: ${JSON.stringify(measured)}${broken.length ? `; ${broken.join('; ')}` : ''}` };
        }
        default:
          return await this.await(expectation);
      }
    } catch (error) {
      return { kind: expectation.kind, ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Polls a condition until it holds or its deadline passes. */
  private async await(condition: Condition): Promise<ExpectationReport> {
    const deadline = Date.now() + condition.withinS * 1000;
    // Polling costs IPC and JSON per device: slower for big fleets.
    const pollMs = 250 + this.members.length / 10;
    for (;;) {
      // An API call failing while the hub is overloaded or restarting is "not yet", not a verdict.
      const detail = await this.unmet(condition).catch((error: unknown) => `the hub did not answer: ${error instanceof Error ? error.message : String(error)}`);
      if (detail === null) return { kind: condition.kind, ok: true, detail: describe(condition) };
      if (Date.now() > deadline) return { kind: condition.kind, ok: false, detail: `${describe(condition)}: not within ${condition.withinS} s: ${detail}` };
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** null when the condition holds, else what is still missing. */
  private async unmet(condition: Condition): Promise<string | null> {
    if (condition.kind === 'rollout') {
      if (!this.lastRollout) return 'no rollout was created';
      const view = await this.api.get(`/api/v1/rollouts/${this.lastRollout}`, rolloutIdSchema);
      const states = Array.isArray(condition.state) ? condition.state : [condition.state];
      return states.includes(view.state) ? null : `rollout is ${view.state}`;
    }
    const selected = this.selected(condition.select);
    const state: DeviceState = condition.kind === 'serving' ? { kind: 'serving', version: condition.version, ...(condition.model ? { model: condition.model } : {}) } : condition.kind === 'error' ? { kind: 'error', code: condition.code } : { kind: 'connected' };
    const survey = await this.requireFleet().survey(state, selected);
    if (survey.matching < survey.total) return `${survey.total - survey.matching} of ${survey.total} not yet, e.g. ${JSON.stringify(survey.example)}`;
    if (condition.kind !== 'serving') return null;
    // The hub must see it too (from the devices' reports).
    const ids = new Set(selected ?? this.members.map((m) => m.id));
    const hubView = await this.api.get('/api/v1/devices', devicesSchema);
    const lagging = hubView.devices.filter((d) => ids.has(d.id) && d.state?.active?.version !== condition.version);
    return lagging.length === 0 ? null : `the hub does not yet see ${lagging.length} devices serving ${condition.version}`;
  }

  private async statsExact(model: string, version: string, withinS: number): Promise<ExpectationReport> {
    const fleet = this.requireFleet();
    const deadline = Date.now() + withinS * 1000;
    await fleet.setStats(false, true);
    const key = `${model}@${version}`;
    const from = encodeURIComponent(new Date(this.startedAt - 3_600_000).toISOString());
    for (;;) {
      const tally = await fleet.tally();
      const sent = tally.versions[key] ?? { closed: { windows: 0, rows: 0, errors: 0 }, acked: { windows: 0, rows: 0, errors: 0 } };
      const stored = await this.api.get(`/api/v1/models/${model}/versions/${version}/stats?from=${from}`, statsViewSchema).catch(() => null);
      if (!stored) {
        if (Date.now() > deadline) return { kind: 'stats-exact', ok: false, detail: 'the hub did not answer' };
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        continue;
      }
      const hub = { windows: stored.windows, rows: stored.merged?.n ?? 0, errors: Object.values(stored.merged?.errors ?? {}).reduce((a, b) => a + b, 0) };
      const detail = `devices closed ${JSON.stringify(sent.closed)}, acknowledged ${JSON.stringify(sent.acked)} (${tally.outbox.queued} queued, ${tally.outbox.lost} lost); hub stored ${JSON.stringify(hub)}`;
      const exact = tally.outbox.queued === 0 && tally.outbox.lost === 0 && sent.acked.rows === sent.closed.rows && sent.acked.errors === sent.closed.errors && hub.windows === sent.acked.windows && hub.rows === sent.acked.rows && hub.errors === sent.acked.errors;
      if (exact) return { kind: 'stats-exact', ok: true, detail };
      if (Date.now() > deadline) return { kind: 'stats-exact', ok: false, detail };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  private async drift(expectation: Extract<Expectation, { kind: 'drift' }>): Promise<ExpectationReport> {
    const query = new URLSearchParams({ from: new Date(this.startedAt - 3_600_000).toISOString(), ...(expectation.ring ? { ring: expectation.ring } : {}) });
    const deadline = Date.now() + expectation.withinS * 1000;
    for (;;) {
      const view = await this.api.get(`/api/v1/models/${expectation.model}/versions/${expectation.version}/drift?${query}`, driftSchema).catch(() => null);
      if (!view) {
        if (Date.now() > deadline) return { kind: 'drift', ok: false, detail: 'the hub did not answer' };
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        continue;
      }
      const drifting = view.report?.drifting ?? [];
      const missing = expectation.drifting.filter((s) => !drifting.includes(s));
      const extra = expectation.notDrifting.filter((s) => drifting.includes(s));
      const detail = `${expectation.model}@${expectation.version}${expectation.ring ? ` ring ${expectation.ring}` : ''}: ${view.verdict}, drifting [${drifting.join(', ')}], warnings [${(view.report?.warnings ?? []).join(', ')}] on ${view.report?.n ?? 0} rows`;
      if (missing.length === 0 && extra.length === 0) return { kind: 'drift', ok: true, detail };
      if (Date.now() > deadline) return { kind: 'drift', ok: false, detail: `${detail}; expected drifting [${expectation.drifting.join(', ')}], not [${expectation.notDrifting.join(', ')}]` };
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** The ids a selection names; undefined for the whole fleet (nothing to send to the children). */
  private selected(select: Select): string[] | undefined {
    const ids = resolveSelect(this.members, select);
    return ids.length === this.members.length ? undefined : ids;
  }

  private async progress(): Promise<void> {
    const fleet = this.fleet;
    if (!fleet) return;
    try {
      const [connected, tally] = await Promise.all([fleet.survey({ kind: 'connected' }), fleet.tally()]);
      this.log(`progress: ${connected.matching}/${connected.total} connected, ${tally.outbox.queued} windows queued, counters ${JSON.stringify(tally.counters)}`);
    } catch (error) {
      this.log(`progress: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private requireFleet(): LeanFleet {
    if (!this.fleet) throw new Error('the fleet is not running');
    return this.fleet;
  }
}

function describe(condition: Condition): string {
  switch (condition.kind) {
    case 'serving':
      return `serving ${condition.model ? `${condition.model}@` : ''}${condition.version}`;
    case 'connected':
      return 'connected';
    case 'rollout':
      return `rollout ${[condition.state].flat().join(' or ')}`;
    case 'error':
      return `reporting ${condition.code}`;
  }
}
