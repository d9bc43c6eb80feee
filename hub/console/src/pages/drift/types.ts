/** The drift and alert API's shapes as the generated OpenAPI types give them. */
import type { paths } from '../../api/schema';

type Json<T> = T extends { responses: { 200: { content: { 'application/json': infer B } } } } ? B : never;

export type DriftView = Json<paths['/api/v1/models/{model}/versions/{version}/drift']['get']>;
export type DriftReport = NonNullable<DriftView['report']>;
export type SignalReport = DriftReport['features'][number];
export type Distribution = DriftView['distributions'][number];
export type HourVerdict = DriftView['hours'][number];
export type Verdict = DriftView['verdict'];
export type Alert = Json<paths['/api/v1/alerts/{id}']['get']>;
export type Model = Json<paths['/api/v1/models']['get']>['models'][number];

/** Worst first: how the pages order findings. */
export const VERDICT_ORDER: Record<Verdict, number> = { drift: 0, warning: 1, ok: 2, 'insufficient-data': 3 };

/** The audit rows that change drift findings: the drift job's alert openings, escalations and resolutions. */
export const isAlertEvent = (event: { action: string }): boolean => event.action.startsWith('alert.');
