/**
 * The hub's reply shapes, taken from the OpenAPI document's generated `paths` (the console's
 * schema.d.ts, `npm run api-types`), so the CLI never redefines them. Type-only: nothing of the
 * hub is loaded at run time.
 */
import type { paths } from '../../hub/console/src/api/schema';

export type { paths };
type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : never;
/** The JSON body of `method path` answered with `status`. */
export type Reply<P extends keyof paths, M extends Method, S extends number = 200> = NonNullable<paths[P][M]> extends { responses: infer R } ? (S extends keyof R ? JsonOf<R[S]> : never) : never;

export type Device = Reply<'/api/v1/devices/{id}', 'get'>;
export type DeviceList = Reply<'/api/v1/devices', 'get'>;
export type DeviceEvents = Reply<'/api/v1/devices/{id}/events', 'get'>;
export type Enrolled = Reply<'/api/v1/devices', 'post', 201>;
export type Assignment = Reply<'/api/v1/devices/{id}/assignment', 'put'>;
export type RotatedSecret = Reply<'/api/v1/devices/{id}/secret', 'post'>;
export type Decommissioned = Reply<'/api/v1/devices/{id}', 'delete'>;
export type Rings = Reply<'/api/v1/rings', 'get'>;
export type ModelList = Reply<'/api/v1/models', 'get'>;
export type VersionDetail = Reply<'/api/v1/models/{model}/versions/{version}', 'get'>;
export type Uploaded = Reply<'/api/v1/models/{model}/versions', 'post', 201>;
export type SampleInputs = Reply<'/api/v1/sample-inputs', 'post', 201>;
export type Quantized = Reply<'/api/v1/models/{model}/versions/{version}/quantize', 'post', 201>;
export type Stats = Reply<'/api/v1/models/{model}/versions/{version}/stats', 'get'>;
export type Drift = Reply<'/api/v1/models/{model}/versions/{version}/drift', 'get'>;
export type Shadow = Reply<'/api/v1/models/{model}/versions/{version}/shadow', 'get'>;
export type Accuracy = Reply<'/api/v1/models/{model}/versions/{version}/accuracy', 'get'>;
export type Dataset = Reply<'/api/v1/datasets', 'post', 201>;
export type DatasetList = Reply<'/api/v1/datasets', 'get'>;
export type DatasetDetail = Reply<'/api/v1/datasets/{id}', 'get'>;
export type TrainingRunList = Reply<'/api/v1/training-runs', 'get'>;
export type TrainingRun = Reply<'/api/v1/training-runs/{id}', 'get'>;
export type TrainingLogs = Reply<'/api/v1/training-runs/{id}/logs', 'get'>;
export type TrainingRequest = NonNullable<paths['/api/v1/training-runs']['post']>['requestBody'] extends { content: { 'application/json': infer B } } | undefined ? B : never;
export type Rollout = Reply<'/api/v1/rollouts/{id}', 'get'>;
export type RolloutList = Reply<'/api/v1/rollouts', 'get'>;
export type AlertList = Reply<'/api/v1/alerts', 'get'>;
export type JobList = Reply<'/api/v1/jobs', 'get'>;
export type JobRun = Reply<'/api/v1/jobs/{name}/run', 'post'>;
export type TokenList = Reply<'/api/v1/enrolment-tokens', 'get'>;
export type IssuedToken = Reply<'/api/v1/enrolment-tokens', 'post', 201>;
export type Audit = Reply<'/api/v1/audit', 'get'>;
export type QuantizeBody = NonNullable<paths['/api/v1/models/{model}/versions/{version}/quantize']['post']>['requestBody'] extends { content: { 'application/json': infer B } } | undefined ? B : never;
