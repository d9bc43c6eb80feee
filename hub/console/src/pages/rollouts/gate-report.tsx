/**
 * A gate step's report in a dialog: the verdict, how the step ended on it, and per metric the
 * value beside the control group's, the limit the plan set, the samples it rests on and the
 * hub's evidence sentence.
 */
import { useRef } from 'preact/hooks';
import { Badge, When } from '../../components/status';
import type { GateMetricResult, PlanStep, StepGate } from './types';

const OUTCOME_TEXT: Record<NonNullable<StepGate['outcome']>, string> = { passed: 'passed: the rollout went on', advanced: 'advanced by hand on this report', halted: 'halted the rollout' };

const fmt = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : Math.abs(x) >= 100 ? x.toFixed(0) : String(Number(x.toPrecision(3))));

type GateLimits = Extract<PlanStep, { kind: 'gate' }>['metrics'][number];

function limitText(limit: GateLimits | undefined): string {
  if (!limit) return '—';
  const parts = [limit.min !== undefined ? `≥ ${fmt(limit.min)}` : null, limit.max !== undefined ? `≤ ${fmt(limit.max)}` : null, limit.maxVsControl !== undefined ? `≤ ${fmt(limit.maxVsControl)} × control` : null].filter((p): p is string => p !== null);
  return parts.join(', ') || 'drift verdict';
}

function samplesText(metric: GateMetricResult): string {
  const own = metric.samples === undefined || metric.samples === null ? '—' : String(metric.samples);
  const needed = metric.minSamples === undefined || metric.minSamples === null ? '' : ` (min ${metric.minSamples})`;
  const control = metric.controlSamples === undefined || metric.controlSamples === null ? '' : `; control ${metric.controlSamples}`;
  return `${own}${needed}${control}`;
}

export function GateReportButton({ number, gate, step }: { number: number; gate: StepGate; step: PlanStep | undefined }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = `gate-report-${number}-title`;
  const limits = step?.kind === 'gate' ? step.metrics : [];
  const report = gate.report;
  return (
    <>
      <button type="button" onClick={() => dialog.current?.showModal()}>
        Gate report for step {number}
      </button>
      <dialog ref={dialog} class="gate-report" aria-labelledby={titleId}>
        <h2 id={titleId}>Gate report for step {number}</h2>
        <dl class="facts">
          <dt>Verdict</dt>
          <dd>
            <Badge value={report.verdict} />
          </dd>
          <dt>Outcome</dt>
          <dd>{gate.outcome ? OUTCOME_TEXT[gate.outcome] : 'still evaluated (latest evaluation shown)'}</dd>
          <dt>{gate.outcome ? 'Decided' : 'Evaluated'}</dt>
          <dd>
            <When at={gate.at} />
          </dd>
          {step?.kind === 'gate' ? (
            <>
              <dt>Tolerated</dt>
              <dd>
                {step.maxFailed} failing, {step.maxInconclusive} inconclusive (within {step.deadlineMinutes} min)
              </dd>
            </>
          ) : null}
        </dl>
        <table>
          <caption class="sr-only">Metrics of the gate at step {number}</caption>
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">Outcome</th>
              <th scope="col" class="num">Value</th>
              <th scope="col" class="num">Control</th>
              <th scope="col">Limit</th>
              <th scope="col">Samples</th>
              <th scope="col">Evidence</th>
            </tr>
          </thead>
          <tbody>
            {report.metrics.map((metric, i) => (
              <tr key={`${metric.metric}-${i}`}>
                <th scope="row">{metric.metric}</th>
                <td>
                  <Badge value={metric.outcome} />
                </td>
                <td class="num">{fmt(metric.value)}</td>
                <td class="num">{fmt(metric.control)}</td>
                <td>{limitText(limits[i])}</td>
                <td>{samplesText(metric)}</td>
                <td>{metric.evidence}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div class="dialog-actions">
          <button type="button" class="primary" onClick={() => dialog.current?.close()}>
            Close
          </button>
        </div>
      </dialog>
    </>
  );
}
