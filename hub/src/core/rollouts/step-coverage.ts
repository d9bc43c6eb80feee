/**
 * Ring steps that take no device (issue 15): a step over an empty ring, tags nobody has, a
 * percentage whose stable hash picks none of a small ring, or devices that all serve other
 * models. Such a step completes at once with `devices: {}`; instead of that happening silently,
 * a create answers with a warning naming the step, the rollout's view shows it while it lasts,
 * and the controller records an event when it passes one.
 */
import { ALL_RINGS, ringStepIncludes, type RingStep, type RolloutPlan, type TargetDevice } from './plan';

export interface StepWarning {
  /** index of the step in the plan */
  step: number;
  /** the field, as validation errors name them */
  path: string;
  message: string;
}

/** What a step sees of a device: where it is, and which model it is assigned (if any). */
export interface CoverageDevice extends TargetDevice {
  assignment: { model: string; version: string } | null;
}

const ringName = (step: RingStep): string => (step.ring === ALL_RINGS ? 'the fleet' : `ring "${step.ring}"`);

const tagsText = (tags: Record<string, string>): string =>
  Object.entries(tags)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Why `step` takes no device of `devices` for a rollout of `model` (target `version`), or null
 * when it takes at least one. `joined`: devices already members through earlier steps (they count
 * as taken, but a step that only re-selects them adds nobody, and says so).
 */
export function emptyStepReason(step: RingStep, devices: readonly CoverageDevice[], target: { model: string; version: string }, joined: ReadonlySet<string> = new Set()): string | null {
  const inRing = devices.filter((d) => step.ring === ALL_RINGS || d.ring === step.ring);
  if (inRing.length === 0) {
    return step.ring === ALL_RINGS
      ? 'the fleet has no devices yet'
      : `ring "${step.ring}" has no devices yet: devices join it on enrolment ("ring": "${step.ring}") or with PATCH /api/v1/devices/{id} {"ring": "${step.ring}"} (edgefleet devices set-ring <id> ${step.ring})`;
  }
  const tagged = inRing.filter((d) => ringStepIncludes({ ...step, percent: 100 }, d));
  if (tagged.length === 0) {
    return step.tags
      ? `none of the ${plural(inRing.length, 'device')} of ${ringName(step)} has the tags ${tagsText(step.tags)}`
      : `the ${plural(inRing.length, 'device')} of the fleet are browser pages, which join only steps that name their ring or select kind=browser`;
  }
  const selected = tagged.filter((d) => ringStepIncludes(step, d));
  if (selected.length === 0) return `${step.percent}% of the ${plural(tagged.length, 'device')} of ${ringName(step)} selects none of them (a stable hash of the device id chooses): raise percent`;
  const eligible = selected.filter((d) => takes(step, d, target));
  if (eligible.length === 0) {
    return besideOld(step)
      ? `none of its ${plural(selected.length, 'device')} serves another version of ${target.model} to run ${target.version} beside`
      : `its ${plural(selected.length, 'device')} ${selected.length === 1 ? 'serves another model' : 'serve other models'} than ${target.model}`;
  }
  if (eligible.every((d) => joined.has(d.id))) return `its ${plural(eligible.length, 'device')} already joined at earlier steps: the step adds none`;
  return null;
}

/**
 * A warning per ring step from `from` on that would take no device if it ran now. Steps are
 * played in order, so a step whose devices an earlier step takes (or `members` already are) is
 * named too: it adds nobody.
 */
export function ringStepWarnings(plan: RolloutPlan, devices: readonly CoverageDevice[], target: { model: string; version: string }, options: { from?: number; members?: ReadonlySet<string> } = {}): StepWarning[] {
  const warnings: StepWarning[] = [];
  const active = new Set(options.members ?? []);
  const shadowed = new Set<string>();
  plan.steps.forEach((step, index) => {
    if (step.kind !== 'ring') return;
    // A full step promotes the shadows of an earlier shadow step, and a traffic step raises their
    // share: only active members are skipped by those.
    const joined = step.shadow && step.traffic === undefined ? new Set([...active, ...shadowed]) : active;
    if (index >= (options.from ?? 0)) {
      const reason = emptyStepReason(step, devices, target, joined);
      if (reason !== null) warnings.push(stepWarning(index, step, reason));
    }
    for (const device of devices) if (takes(step, device, target)) (besideOld(step) ? shadowed : active).add(device.id);
  });
  return warnings;
}

/** Shadow and traffic steps load the new version beside the one a device serves. */
const besideOld = (step: RingStep): boolean => step.shadow || step.traffic !== undefined;

/** Whether `step` would make `device` a member (whatever earlier steps did). */
function takes(step: RingStep, device: CoverageDevice, target: { model: string; version: string }): boolean {
  if (!ringStepIncludes(step, device)) return false;
  if (besideOld(step)) return device.assignment !== null && device.assignment.model === target.model && device.assignment.version !== target.version;
  return device.assignment === null || device.assignment.model === target.model;
}

export function stepWarning(index: number, step: RingStep, reason: string): StepWarning {
  return { step: index, path: `plan.steps.${index}`, message: `ring step ${index + 1} (${ringName(step)}, ${step.percent}%) takes no device: ${reason}` };
}
