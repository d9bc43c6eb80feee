/** The rollout shapes the pages use, all taken from the generated API types (never written by hand). */
import type { paths } from '../../api/schema';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;

export type Rollout = Json<paths['/api/v1/rollouts/{id}']['get']['responses'][200]>;
export type RolloutStep = Rollout['steps'][number];
export type StepGate = NonNullable<RolloutStep['gate']>;
export type GateReport = StepGate['report'];
export type GateMetricResult = GateReport['metrics'][number];

export type Plan = Json<paths['/api/v1/rollouts/default-plan']['get']['responses'][200]>['plan'];
export type PlanStep = Plan['steps'][number];
export type StepKind = PlanStep['kind'];
export type RingPlanStep = Extract<PlanStep, { kind: 'ring' }>;
export type GatePlanStep = Extract<PlanStep, { kind: 'gate' }>;
export type GateMetric = GatePlanStep['metrics'][number];
export type MetricName = GateMetric['metric'];

export type Ring = Json<paths['/api/v1/rings']['get']['responses'][200]>['rings'][number];
export type RolloutCheck = Json<paths['/api/v1/rollouts/validate']['post']['responses'][200]>;
export type ActionName = paths['/api/v1/rollouts/{id}/{action}']['post']['parameters']['path']['action'];
