/**
 * The operator's controls (POST /api/v1/rollouts/{id}/{action}), each behind a confirmation and
 * enabled only in the states the hub allows it in (core/rollouts/actions.ts); the hub still has
 * the last word, and its refusal shows in the dialog.
 */
import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { ConfirmButton } from '../../components/confirm';
import { fieldId } from './fields';
import type { ActionName, Rollout } from './types';

const ALLOWED: Record<ActionName, readonly Rollout['state'][]> = {
  pause: ['running'],
  resume: ['paused', 'halted'],
  advance: ['running'],
  abort: ['running', 'paused', 'halted'],
  rollback: ['running', 'paused', 'halted', 'completed', 'aborted'],
};

export function allowed(rollout: Rollout, action: ActionName): boolean {
  if (!ALLOWED[action].includes(rollout.state)) return false;
  // Nothing left to revert once the devices were sent back.
  if (action === 'rollback' && rollout.reverted) return false;
  return true;
}

const ACTIONS: { action: ActionName; label: string; title: string; text: string; danger?: boolean }[] = [
  { action: 'pause', label: 'Pause', title: 'Pause this rollout?', text: 'No step completes while it is paused; devices already assigned keep converging.' },
  { action: 'resume', label: 'Resume', title: 'Resume this rollout?', text: 'It goes on from its current step (after a halt, the step starts over: this overrules the halt).' },
  { action: 'advance', label: 'Advance', title: 'Advance past the current step?', text: 'Skips the current wait once: approves an approval step, ends a bake or a gate now.' },
  { action: 'abort', label: 'Abort', title: 'Abort this rollout?', text: 'It stops for good. Devices keep the new version unless you revert them.', danger: true },
  { action: 'rollback', label: 'Roll back', title: 'Roll back every touched device?', text: 'Every device this rollout moved goes back to its previous version now, without analysis.', danger: true },
];

export function RolloutActions({ rollout, onDone }: { rollout: Rollout; onDone: (next: Rollout) => void }) {
  const [reasons, setReasons] = useState<Partial<Record<ActionName, string>>>({});
  const [revert, setRevert] = useState(false);
  const act = async (action: ActionName): Promise<void> => {
    const reason = reasons[action]?.trim();
    const body = { ...(reason ? { reason } : {}), ...(action === 'abort' && revert ? { revert: true } : {}) };
    onDone(ok(await api.POST('/api/v1/rollouts/{id}/{action}', { params: { path: { id: rollout.id, action } }, body })));
  };
  return (
    <>
      {ACTIONS.map(({ action, label, title, text, danger }) => (
        <ConfirmButton key={action} label={label} title={title} onConfirm={() => act(action)} disabled={!allowed(rollout, action)} {...(danger ? { danger } : {})}>
          <p>{text}</p>
          <div class="stack">
            <label for={fieldId(`reason-${action}`)}>Reason (kept in the audit log)</label>
            <input id={fieldId(`reason-${action}`)} type="text" maxLength={500} value={reasons[action] ?? ''} onInput={(event) => setReasons({ ...reasons, [action]: event.currentTarget.value })} />
            {action === 'abort' ? (
              <div class="field-check">
                <input id="abort-revert" type="checkbox" checked={revert} onChange={(event) => setRevert(event.currentTarget.checked)} />
                <label for="abort-revert">Also send every touched device back to its previous version</label>
              </div>
            ) : null}
          </div>
        </ConfirmButton>
      ))}
    </>
  );
}
