/**
 * Ring steps that take no device (an empty ring, tags nobody has, a percentage that selects
 * nobody): the hub accepts such a plan but says so, and so does the console, on the form as the
 * plan is checked and on the rollout's page. Without it a step finishes silently with no device.
 */
import type { RolloutCheck } from './types';

export function StepWarnings({ warnings, id }: { warnings: RolloutCheck['warnings']; id: string }) {
  if (warnings.length === 0) return null;
  return (
    <div class="notice" id={id}>
      <strong>{warnings.length === 1 ? 'A ring step takes no device' : `${warnings.length} ring steps take no device`}</strong>
      <ul>
        {warnings.map((warning) => (
          <li key={warning.path}>{warning.message}</li>
        ))}
      </ul>
    </div>
  );
}
