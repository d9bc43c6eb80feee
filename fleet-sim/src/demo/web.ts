/**
 * The demo's browser part (issue 14): the hub's page at `/web`, where a person draws a digit and
 * the fleet's MNIST model answers in the browser. Through the admin API, as an operator would:
 * ring `web` and an enrolment token for it (the printed link `<hub>/web#enrol=<token>`, so a page
 * can be opened from the start and waits for a model), an MLP trained on 6,000 MNIST digits
 * (`digits` 1), a rollout of it to ring `web`, and, once the demo's own rollout has ended, its
 * int8 twin (`digits` 2, quantized by the hub) rolled out the same way: an open page switches
 * to it without a reload.
 *
 * It runs beside the machine-health flow and never holds it up: the digits run is queued behind
 * the two machine-health runs (the hub trains one at a time, in a worker thread), and the
 * quantization, which runs on the hub's event loop for a second or so, waits until the gates
 * that measure the agents' latency are over.
 */
import type { RolloutPlanInput } from '../../../hub/src/core/rollouts/plan';
import { anySchema, createdRunSchema, datasetSchema, enrolmentTokenSchema, quantizedSchema, rolloutSchema, runSchema, type AdminApi, type Run } from './api';
import { MNIST_TARGET, mnistCsv } from './mnist-data';

export const WEB_MODEL = 'digits';
export const WEB_RING = 'web';
export const WEB_FIRST_VERSION = '1';
/** How many browsers the printed link may enrol, and for how long (the demo runs for hours if left alone). */
export const WEB_TOKEN = { maxEnrolments: 20, ttlS: 86_400 } as const;
/**
 * 600 digits of each class and an MLP with one hidden layer of 64, six epochs (validation loss
 * bottoms out at epoch 4 or 5 at this learning rate): about 93% on MNIST digits it never saw,
 * trained by the hub in 9 to 17 s on 2 busy cores (a third of it reading the 13 MB CSV).
 */
export const WEB_DIGITS_PER_CLASS = 600;
export const WEB_TRAINING_PARAMS = { hidden: [64], epochs: 6, lr: 0.003 } as const;
/** digits 1 serves at least this long before its int8 twin replaces it: time to draw a few digits */
export const WEB_SWITCH_DELAY_S = 30;

/** The rollout states after which the demo's own rollout gates no more (the int8 switch may go). */
const ENDED = new Set(['completed', 'rolled-back', 'halted', 'aborted', 'superseded']);

/**
 * One ring step for ring `web`. Pages come and go (a closed tab stays offline for good), so the
 * step waits for nobody and never halts: it completes at once and, as the model's newest
 * completed rollout, the hub keeps assigning its version to every page that enrols later.
 */
export function webPlan(): RolloutPlanInput {
  return { steps: [{ kind: 'ring', ring: WEB_RING, percent: 100, successThreshold: 0, maxFailures: 1, deadlineMinutes: 60 }], autoRollback: false };
}

export interface WebOptions {
  /** MNIST digits of each class to train on; default WEB_DIGITS_PER_CLASS */
  digitsPerClass: number;
  /** least time digits 1 serves before the int8 switch; default WEB_SWITCH_DELAY_S */
  switchDelayS: number;
}

export interface WebDeps {
  api: AdminApi;
  /** the hub's base URL, as the printed link gives it */
  httpUrl: string;
  log: (line: string) => void;
  /** polls `check` until it returns a value (throws when the demo closes meanwhile) */
  until: <T>(what: string, deadlineMs: number, check: () => Promise<T | null>) => Promise<T>;
  /** the demo's own rollout, once it exists */
  mainRolloutId: () => string | null;
}

export class WebDemo {
  /** `<hub>/web#enrol=<token>`, once the token is issued */
  link: string | null = null;
  /** what the web part is at, in a few words, for the view */
  status = 'setting up';
  /** versions of WEB_MODEL registered so far */
  readonly versions: string[] = [];
  /** the rollouts of digits 1 and of its int8 twin to ring `web` */
  firstRolloutId: string | null = null;
  switchRolloutId: string | null = null;
  /** how long the hub took to train digits 1 (its run's start to finish), once it has */
  trainingS: number | null = null;

  constructor(
    private readonly deps: WebDeps,
    private readonly options: WebOptions,
  ) {}

  /** Ring `web` (after the agents' rings) and a token for it: the link works from now on. */
  async openRing(position: number): Promise<void> {
    const { api } = this.deps;
    await api.put(`/api/v1/rings/${WEB_RING}`, anySchema, { json: { position, description: 'demo: browsers that enrolled with the printed link' } });
    const issued = await api.post('/api/v1/enrolment-tokens', enrolmentTokenSchema, { json: { ring: WEB_RING, ...WEB_TOKEN, label: 'npm run demo: the printed /web link' } });
    this.link = `${this.deps.httpUrl}/web#enrol=${issued.token}`;
    this.status = 'waiting for its model to be trained';
    this.deps.log(`web page: ${this.link} (draw a digit, the model answers in your browser; enrols up to ${issued.maxEnrolments} browsers in ring ${WEB_RING} until ${issued.expiresAt})`);
  }

  /**
   * Uploads the digits and queues their training: call once the demo's own runs are queued (the
   * hub trains in queue order). Resolves with the run's id.
   */
  async queueTraining(): Promise<string> {
    const { api } = this.deps;
    const csv = await mnistCsv(this.options.digitsPerClass);
    const dataset = await api.post('/api/v1/datasets?name=mnist-digits', datasetSchema, { bytes: csv, contentType: 'text/csv' });
    const run = await api.post('/api/v1/training-runs', createdRunSchema, {
      json: { dataset: dataset.id, target: MNIST_TARGET, task: 'classification', trainer: 'mlp', params: WEB_TRAINING_PARAMS, model: WEB_MODEL, version: WEB_FIRST_VERSION, seed: 1 },
    });
    this.status = `training ${WEB_MODEL} ${WEB_FIRST_VERSION} (queued after machine-health's runs)`;
    this.deps.log(`training ${WEB_MODEL} ${WEB_FIRST_VERSION} for the web page: mlp [${WEB_TRAINING_PARAMS.hidden.join(', ')}] on ${dataset.rows.toLocaleString('en')} MNIST digits`);
    return run.id;
  }

  /** Waits for the run, rolls digits 1 out to ring `web`; then, once the demo's own rollout has ended, its int8 twin. */
  async roll(runId: string): Promise<void> {
    const { api, log } = this.deps;
    await this.trained(runId);
    this.firstRolloutId = (await api.post('/api/v1/rollouts', rolloutSchema, { json: { model: WEB_MODEL, version: WEB_FIRST_VERSION, plan: webPlan() } })).id;
    const firstAt = Date.now();
    this.status = `${WEB_MODEL} ${WEB_FIRST_VERSION} rolled out to ring ${WEB_RING}; its int8 twin follows once the rollout above has ended`;
    log(`rollout ${this.firstRolloutId.slice(0, 8)} of ${WEB_MODEL} ${WEB_FIRST_VERSION} to ring ${WEB_RING}: every page that enrols gets it`);

    // However long that takes (an operator may pause it in the console); looked at every 2 s.
    let nextLook = 0;
    await this.deps.until('the end of the demo rollout', Number.POSITIVE_INFINITY, async () => {
      const id = this.deps.mainRolloutId();
      if (id === null || Date.now() < nextLook) return null;
      nextLook = Date.now() + 2_000;
      const rollout = await api.get(`/api/v1/rollouts/${id}`, rolloutSchema);
      return ENDED.has(rollout.state) && Date.now() - firstAt >= this.options.switchDelayS * 1000 ? true : null;
    });
    const quantized = await api.post(`/api/v1/models/${WEB_MODEL}/versions/${WEB_FIRST_VERSION}/quantize`, quantizedSchema, { json: { mode: 'int8-dynamic' } });
    this.versions.push(quantized.version);
    const accuracy = (side: { accuracy?: number | undefined }) => (side.accuracy === undefined ? 'n/a' : `${(side.accuracy * 100).toFixed(1)}%`);
    log(`${WEB_MODEL} ${quantized.version}: the int8 twin of ${WEB_FIRST_VERSION}, ${kb(quantized.result.size)} instead of ${kb(quantized.source.size)}, test accuracy ${accuracy(quantized.result)} (${WEB_FIRST_VERSION}: ${accuracy(quantized.source)})`);
    this.switchRolloutId = (await api.post('/api/v1/rollouts', rolloutSchema, { json: { model: WEB_MODEL, version: quantized.version, plan: webPlan() } })).id;
    this.status = `${WEB_MODEL} ${quantized.version} (int8) rolled out to ring ${WEB_RING}: open pages switch without a reload`;
    log(`rollout ${this.switchRolloutId.slice(0, 8)} of ${WEB_MODEL} ${WEB_FIRST_VERSION} -> ${quantized.version} (int8) to ring ${WEB_RING}: open pages switch to it without a reload`);
  }

  private async trained(runId: string): Promise<Run> {
    const { api } = this.deps;
    const run = await this.deps.until(`training of ${WEB_MODEL} ${WEB_FIRST_VERSION}`, 600_000, async () => {
      const current = await api.get(`/api/v1/training-runs/${runId}`, runSchema);
      return ['succeeded', 'failed', 'cancelled'].includes(current.status) ? current : null;
    });
    if (run.status !== 'succeeded' || run.resultVersion?.version !== WEB_FIRST_VERSION) throw new Error(`training of ${WEB_MODEL} ${WEB_FIRST_VERSION} ${run.status}: ${JSON.stringify(run.error)}`);
    this.versions.push(WEB_FIRST_VERSION);
    if (run.startedAt && run.finishedAt) this.trainingS = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
    const { name, value } = run.metric;
    this.deps.log(`${WEB_MODEL} ${WEB_FIRST_VERSION} trained${this.trainingS === null ? '' : ` in ${this.trainingS.toFixed(1)} s`}: test ${name} ${value === null ? 'n/a' : value.toFixed(3)}`);
    return run;
  }
}

const kb = (bytes: number): string => `${Math.round(bytes / 1024)} KB`;
