/** The devices pages' shapes, taken from the generated OpenAPI types (never written by hand). */
import type { paths } from '../../api/schema';

type Json<Op> = Op extends { responses: { 200: { content: { 'application/json': infer Body } } } } ? Body : never;

export type DevicePage = Json<paths['/api/v1/devices']['get']>;
export type Device = DevicePage['devices'][number];
export type DeviceListQuery = NonNullable<paths['/api/v1/devices']['get']['parameters']['query']>;
export type DeviceEvent = Json<paths['/api/v1/devices/{id}/events']['get']>['events'][number];
export type DriftView = Json<paths['/api/v1/models/{model}/versions/{version}/drift']['get']>;
export type StatsView = Json<paths['/api/v1/models/{model}/versions/{version}/stats']['get']>;
export type ShadowView = Json<paths['/api/v1/models/{model}/versions/{version}/shadow']['get']>;
export type ModelList = Json<paths['/api/v1/models']['get']>;

/** A device's status as the list filters it: out of service wins over the connection. */
export function statusOf(device: Pick<Device, 'decommissionedAt' | 'online'>): 'decommissioned' | 'online' | 'offline' {
  if (device.decommissionedAt) return 'decommissioned';
  return device.online ? 'online' : 'offline';
}

/** `subject` of the audit rows about one device (writeAudit's `device:<id>`). */
export const deviceSubject = (id: string): string => `device:${id}`;
