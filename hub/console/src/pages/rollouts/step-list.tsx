/** The plan's steps as they stand: done, current (highlighted) or waiting, ring steps with their devices by status, gate steps with their verdict and report. */
import { Badge, Progress, When } from '../../components/status';
import { describeStep } from './draft';
import { GateReportButton } from './gate-report';
import type { Rollout, RolloutStep } from './types';

/** The statuses in the order a device passes through them. */
const STATUS_ORDER = ['pending', 'offline', 'downloading', 'serving', 'failed', 'timed-out', 'reverting', 'reverted', 'detached', 'kept'];

export function DeviceCounts({ devices, label }: { devices: Record<string, number>; label: string }) {
  const entries = Object.entries(devices).sort(([a], [b]) => STATUS_ORDER.indexOf(a) - STATUS_ORDER.indexOf(b));
  if (entries.length === 0) return <span class="muted">no devices yet</span>;
  return (
    <ul class="counts" aria-label={label}>
      {entries.map(([status, n]) => (
        <li key={status}>
          <Badge value={status} /> <span class="count">{n}</span>
        </li>
      ))}
    </ul>
  );
}

function StepItem({ rollout, step }: { rollout: Rollout; step: RolloutStep }) {
  const planned = rollout.plan.steps[step.index];
  const number = step.index + 1;
  const current = step.state === 'current';
  const total = step.devices ? Object.entries(step.devices).filter(([s]) => s !== 'detached' && s !== 'kept').reduce((a, [, n]) => a + n, 0) : 0;
  return (
    <li class={`step step-${step.state}`} aria-current={current ? 'step' : undefined}>
      <div class="step-head">
        <span class="step-number">{number}</span>
        <strong>{step.kind}</strong>
        <span>{planned ? describeStep(planned) : ''}</span>
        <Badge value={step.state} />
      </div>
      {step.devices ? (
        <div class="step-body">
          <Progress value={step.devices.serving ?? 0} max={total} label={`step ${number}: ${step.devices.serving ?? 0} of ${total} devices serve the new version`} /> <DeviceCounts devices={step.devices} label={`Devices of step ${number} by status`} />
        </div>
      ) : null}
      {step.kind === 'gate' ? (
        <div class="step-body">
          {step.gate ? (
            <>
              Verdict <Badge value={step.gate.report.verdict} /> {step.gate.outcome ? <span class="muted">({step.gate.outcome})</span> : <span class="muted">(evaluating)</span>} <GateReportButton number={number} gate={step.gate} step={planned} />
            </>
          ) : (
            <span class="muted">{step.state === 'waiting' ? 'not reached yet' : 'not evaluated yet'}</span>
          )}
        </div>
      ) : null}
      {current && rollout.state === 'running' && step.kind === 'bake' ? (
        <div class="step-body muted">
          baking since <When at={rollout.stepStartedAt} />
        </div>
      ) : null}
      {current && rollout.state === 'running' && step.kind === 'approve' ? <div class="step-body muted">waits for a person: Advance approves it</div> : null}
    </li>
  );
}

export function StepList({ rollout }: { rollout: Rollout }) {
  return (
    <ol class="steps" aria-label="Steps">
      {rollout.steps.map((step) => (
        <StepItem key={step.index} rollout={rollout} step={step} />
      ))}
    </ol>
  );
}
