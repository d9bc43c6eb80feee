/**
 * Scenario files: plain TS objects that read as given / when / then, validated with zod before
 * anything runs (runner.ts). `given` is the fleet (devices per ring, with tags and an input
 * group), the groups' input distributions and the version every device starts on; `when` is a
 * list of steps at seconds from the start (a step may also wait for a condition first); `then`
 * is the expectations checked at the end, each with its own deadline. See scenarios/ for examples.
 */
import { z } from 'zod';
import { FAULT_KINDS } from './device-types';
import { driftSchema, groupSpecSchema } from './inputs';
import { leanOptionsSchema } from './lean-process';

const nameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);

/** Which devices a step or expectation is about: all that match every field given (default: all). */
export const selectSchema = z
  .strictObject({
    ring: z.string().optional(),
    group: z.string().optional(),
    /** every tag given must match */
    tags: z.record(z.string(), z.string()).optional(),
    /** a stable share (by a hash of the id) of the devices matched so far */
    fraction: z.number().gt(0).max(1).optional(),
    ids: z.array(z.string()).optional(),
  })
  .default({});
export type Select = z.output<typeof selectSchema>;

const withinS = z.number().positive().default(120);

/** Something awaited: before a step (`waitFor`) or as an expectation (`then`). */
export const conditionSchema = z.discriminatedUnion('kind', [
  /** every selected device serves this version (its own report, and the hub's view of it) */
  z.strictObject({ kind: z.literal('serving'), model: nameSchema.optional(), version: z.string(), select: selectSchema, withinS }),
  /** every selected device is connected */
  z.strictObject({ kind: z.literal('connected'), select: selectSchema, withinS }),
  /** the last rollout this scenario created is in one of these states */
  z.strictObject({ kind: z.literal('rollout'), state: z.union([z.string(), z.array(z.string())]), withinS }),
  /** every selected device reports this error code */
  z.strictObject({ kind: z.literal('error'), code: z.string(), select: selectSchema, withinS }),
]);
export type Condition = z.output<typeof conditionSchema>;

export const actionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('drift'), select: selectSchema, drift: driftSchema }),
  /** agent crash (no DISCONNECT, in-memory state lost), restarted after downS */
  z.strictObject({ kind: z.literal('crash'), select: selectSchema, downS: z.number().min(0).default(1) }),
  /** offline churn: the selected devices lose the network for downS (+ up to rampS) */
  z.strictObject({ kind: z.literal('churn'), select: selectSchema, downS: z.number().min(0), rampS: z.number().min(0).default(0) }),
  /** reconnect storm: every selected device drops its connection and is back within rampS (0: all at once) */
  z.strictObject({ kind: z.literal('reconnect-storm'), select: selectSchema, rampS: z.number().min(0).default(0) }),
  /** downloads of the selected devices from now on: corrupted, slow (E_SLOW_RETRIEVAL after slowS) or normal */
  z.strictObject({ kind: z.literal('fault'), select: selectSchema, fault: z.enum(FAULT_KINDS), slowS: z.number().min(0).default(2) }),
  /** through the caller's callbacks (the caller started the hub) */
  z.strictObject({ kind: z.literal('restart-broker') }),
  z.strictObject({ kind: z.literal('restart-hub') }),
  /** hub API: pin the selected devices */
  z.strictObject({ kind: z.literal('pin'), select: selectSchema, model: nameSchema, version: z.string() }),
  /** hub API: POST /api/v1/rollouts (plan as the API takes it; default: the hub's) */
  z.strictObject({ kind: z.literal('rollout'), model: nameSchema, version: z.string(), plan: z.unknown().optional(), supersede: z.boolean().optional() }),
  /** hub API: roll back the last rollout this scenario created */
  z.strictObject({ kind: z.literal('rollback'), reason: z.string().default('scenario') }),
  /** every device closes its statistics window now */
  z.strictObject({ kind: z.literal('flush-stats') }),
]);
export type Action = z.output<typeof actionSchema>;

export const stepSchema = z.strictObject({
  /** seconds after `when` starts; a step never runs before the one above it */
  atS: z.number().min(0),
  /** names the step in the report and in `delay` expectations */
  label: z.string().optional(),
  waitFor: conditionSchema.optional(),
  do: actionSchema,
});

export const expectationSchema = z.union([
  conditionSchema,
  z.discriminatedUnion('kind', [
    /**
     * Nothing lost, nothing counted twice: statistics are paused, every window closed and sent,
     * then what the devices had acknowledged must equal what the hub stored for the version.
     */
    z.strictObject({ kind: z.literal('stats-exact'), model: nameSchema, version: z.string(), withinS }),
    /** the hub's drift route for the version (optionally one ring) names these signals drifting, and not those */
    z.strictObject({ kind: z.literal('drift'), model: nameSchema, version: z.string(), ring: z.string().optional(), drifting: z.array(z.string()).default([]), notDrifting: z.array(z.string()).default([]), withinS }),
    /** from step `after` until each selected device had its desired doc (or served it): limits in seconds */
    z.strictObject({ kind: z.literal('delay'), after: z.string(), of: z.enum(['desired', 'serving']), select: selectSchema, p50MaxS: z.number().positive().optional(), p99MaxS: z.number().positive().optional(), maxS: z.number().positive().optional() }),
  ]),
]);
export type Expectation = z.output<typeof expectationSchema>;

export const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  given: z.strictObject({
    /** device ids are `<idPrefix>-<ring>-<n>` */
    idPrefix: z.string().regex(/^[A-Za-z0-9_-]{1,24}$/).default('lean'),
    fleet: z.array(z.strictObject({ ring: nameSchema, size: z.number().int().min(1).max(100_000), group: z.string().default('default'), tags: z.record(z.string(), z.string()).default({}) })).min(1),
    groups: z.record(z.string(), groupSpecSchema).default({}),
    /** pinned on every device (and awaited) before `when` starts */
    serving: z.strictObject({ model: nameSchema, version: z.string() }).optional(),
    connect: z.strictObject({ rampS: z.number().min(0).default(5), withinS: z.number().positive().default(600) }).default({ rampS: 5, withinS: 600 }),
    lean: leanOptionsSchema.default(leanOptionsSchema.parse({})),
    devicesPerProcess: z.number().int().min(1).max(3_000).default(2_000),
    /** API calls in flight while enrolling and pinning */
    concurrency: z.number().int().min(1).max(256).default(16),
  }),
  when: z.array(stepSchema).default([]),
  then: z.array(expectationSchema).default([]),
});
export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

/** Types a scenario literal (checked against the schema when it runs). */
export const defineScenario = (scenario: ScenarioInput): ScenarioInput => scenario;
