/**
 * #/rollouts/new: a rollout from the default plan (GET /api/v1/rollouts/default-plan) or an edited
 * one, checked by the hub as the admin types (use-plan-check.ts) with its messages beside the
 * fields; created with POST /api/v1/rollouts, then on to its page.
 */
import { useMemo, useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, ok } from '../../api/client';
import { useResource } from '../../api/use-resource';
import { ErrorNote, Loading, PageTitle } from '../../components/status';
import { Can, NeedsScope } from '../../scope';
import { draftOf, type Draft } from './draft';
import { CheckField, FieldMessages, fieldId, SelectField } from './fields';
import { NO_MESSAGES, placeError, type Messages } from './messages';
import { PlanEditor, planAnchors } from './plan-editor';
import { usePlanCheck } from './use-plan-check';
import { StepWarnings } from './step-warnings';
import './rollouts.css';

export function NewRolloutPage() {
  const setup = useResource(async () => {
    const [models, plan, rings] = await Promise.all([api.GET('/api/v1/models').then(ok), api.GET('/api/v1/rollouts/default-plan').then(ok), api.GET('/api/v1/rings').then(ok)]);
    return { models: models.models, plan: plan.plan, rings: rings.rings.map((r) => r.name) };
  }, []);
  return (
    <>
      <PageTitle>New rollout</PageTitle>
      <ErrorNote error={setup.error} />
      <Can needs="operator" otherwise={<NeedsScope needs="operator" what="Starting a rollout" />}>
        {setup.data ? <RolloutForm models={setup.data.models} defaultDraft={draftOf(setup.data.plan)} rings={setup.data.rings} /> : setup.error ? null : <Loading what="models and the default plan" />}
      </Can>
    </>
  );
}

interface Model {
  name: string;
  versions: { version: string }[];
}

function RolloutForm({ models, defaultDraft, rings }: { models: readonly Model[]; defaultDraft: Draft; rings: readonly string[] }) {
  const [, navigate] = useLocation();
  const [model, setModel] = useState(models[0]?.name ?? '');
  const versions = models.find((m) => m.name === model)?.versions ?? [];
  // The newest version is the likeliest to roll out.
  const [version, setVersion] = useState(versions.at(-1)?.version ?? '');
  const [draft, setDraft] = useState<Draft>(defaultDraft);
  const [supersede, setSupersede] = useState(false);
  const [editorKey, setEditorKey] = useState(0);
  const [submitted, setSubmitted] = useState<Messages>(NO_MESSAGES);
  const [busy, setBusy] = useState(false);

  const anchors = useMemo(() => new Set(['', 'model', 'version', 'supersede', ...planAnchors(draft)]), [draft]);
  const check = usePlanCheck(model && version ? { model, version, plan: draft } : null, anchors);
  // A create's own refusal stays until the next edit; the dry run's messages otherwise.
  const messages: Messages = submitted.size > 0 ? submitted : check.state === 'invalid' ? check.messages : NO_MESSAGES;
  const active = check.state === 'ok' ? check.check.active : [];

  const edit = (next: Draft): void => {
    setSubmitted(NO_MESSAGES);
    setDraft(next);
  };
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    try {
      const created = ok(await api.POST('/api/v1/rollouts', { body: { model, version, plan: draft, supersede } }));
      navigate(`/rollouts/${encodeURIComponent(created.id)}`);
    } catch (error) {
      setSubmitted(placeError(error, anchors));
    } finally {
      setBusy(false);
    }
  };
  const problems = [...messages.entries()].flatMap(([path, list]) => list.map((message) => ({ path, message })));

  return (
    <form class="rollout-form" onSubmit={(event) => void submit(event)} noValidate>
      <FieldMessages path="" messages={messages} />
      <div class="field-row">
        <SelectField
          path="model"
          label="Model"
          messages={messages}
          value={model}
          options={models.map((m) => ({ value: m.name, label: m.name }))}
          onChange={(name) => {
            setSubmitted(NO_MESSAGES);
            setModel(name);
            setVersion(models.find((m) => m.name === name)?.versions.at(-1)?.version ?? '');
          }}
        />
        <SelectField
          path="version"
          label="Version"
          messages={messages}
          value={version}
          options={versions.map((v) => ({ value: v.version, label: v.version }))}
          onChange={(v) => {
            setSubmitted(NO_MESSAGES);
            setVersion(v);
          }}
        />
      </div>
      {models.length === 0 ? <p class="muted">No model is registered yet: upload or train one first.</p> : null}

      <h2 id="plan-title">Plan</h2>
      <p class="hint">
        Starts from the default plan over the rings as they are ({rings.join(', ') || 'none'}).{' '}
        <button
          type="button"
          class="quiet"
          onClick={() => {
            edit(defaultDraft);
            // A fresh editor: its JSON text starts over from the default too.
            setEditorKey((k) => k + 1);
          }}
        >
          Back to the default plan
        </button>
      </p>
      <PlanEditor key={editorKey} draft={draft} rings={rings} messages={messages} onChange={edit} />

      {active.length > 0 ? (
        <div class="notice">
          <p>
            {model} has an active rollout: {active.map((r) => `${r.version} (${r.state})`).join(', ')}. A new one is refused unless it supersedes it.
          </p>
          <CheckField path="supersede" label="Supersede the active rollout (audited)" messages={messages} value={supersede} onChange={setSupersede} />
        </div>
      ) : null}

      <div class="plan-status" role="status" aria-live="polite">
        {check.state === 'checking' ? <span class="muted">Checking the plan with the hub…</span> : null}
        {check.state === 'ok' && submitted.size === 0 ? <span class="badge tone-good">The hub accepts this plan ({check.check.plan.steps.length} steps)</span> : null}
        {check.state === 'ok' && submitted.size === 0 ? <StepWarnings warnings={check.check.warnings} id="plan-warnings" /> : null}
        {problems.length > 0 ? (
          <div class="problems">
            <strong>The hub says:</strong>
            <ul>
              {problems.map((p) => (
                <li key={`${p.path}|${p.message}`}>
                  {p.path ? (
                    // A button, not a fragment link: the address's fragment is the console's route.
                    <button type="button" class="link" onClick={() => document.getElementById(fieldId(p.path))?.focus()}>
                      {p.path}
                    </button>
                  ) : null}
                  {p.path ? ': ' : ''}
                  {p.message}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </div>
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy || !model || !version}>
          {busy ? 'Creating…' : 'Create rollout'}
        </button>
        <Link href="/rollouts">Cancel</Link>
      </div>
    </form>
  );
}
