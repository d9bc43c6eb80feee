/** Admin routes for devices: enrol, list, inspect, pin to a release, rotate a secret, decommission. */
import type { Hono } from 'hono';
import { getDevice } from '../../adapters/db/devices';
import { listEvents } from '../../adapters/db/events';
import { notFound } from '../../core/errors';
import { assignDevice } from '../../services/devices/deployments';
import { decommissionDevice, deviceView, enrolDevice, pageOfDevices, placeDevice, rotateDeviceSecret } from '../../services/devices/devices';
import { requestReconcile } from '../../services/rollouts/rollouts';
import type { HubContext } from '../../services/context';
import { actorOf, type AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';
import { assignmentBody, assignmentResponse, decommissionResponse, deviceList, deviceListQuery, eventList, deviceParams, deviceView as deviceViewSchema, enrolDeviceBody, enrolDeviceResponse, placeDeviceBody, rotateSecretResponse } from '../schemas';
import { parseInput, readJsonBody } from '../validate';

export const deviceSpecs: RouteSpec[] = [
  {
    method: 'post',
    path: '/api/v1/devices',
    summary: 'Enrol a device; its secret is returned once',
    auth: 'admin',
    scope: 'admin',
    body: enrolDeviceBody,
    responses: { 201: { description: 'enrolled', schema: enrolDeviceResponse } },
  },
  { method: 'get', path: '/api/v1/devices', summary: 'List devices: all, or a page (limit, cursor) in id order, filtered by ring, tag, status, assigned model and version, or id text', auth: 'admin', scope: 'read', query: deviceListQuery, responses: { 200: { description: 'the devices', schema: deviceList } } },
  {
    method: 'get',
    path: '/api/v1/devices/{id}',
    summary: 'One device with its reported state and assignment',
    auth: 'admin',
    scope: 'read',
    params: deviceParams,
    responses: { 200: { description: 'the device', schema: deviceViewSchema } },
  },
  {
    method: 'get',
    path: '/api/v1/devices/{id}/events',
    summary: 'The latest events a device reported (install, rollback, errors), newest first',
    auth: 'admin',
    scope: 'read',
    params: deviceParams,
    responses: { 200: { description: 'up to 50 events', schema: eventList } },
  },
  {
    method: 'patch',
    path: '/api/v1/devices/{id}',
    summary: 'Move a device to another ring and/or replace its tags (rollouts that reached the new ring pick it up)',
    auth: 'admin',
    scope: 'operator',
    params: deviceParams,
    body: placeDeviceBody,
    responses: { 200: { description: 'the device', schema: deviceViewSchema } },
  },
  {
    method: 'put',
    path: '/api/v1/devices/{id}/assignment',
    summary: 'Pin a device to a model version, optionally with a shadow version run beside it (signed deployment doc, published retained)',
    auth: 'admin',
    scope: 'operator',
    params: deviceParams,
    body: assignmentBody,
    responses: { 200: { description: 'assigned', schema: assignmentResponse } },
  },
  {
    method: 'post',
    path: '/api/v1/devices/{id}/secret',
    summary: "Rotate a device's secret: the new one is returned once, the old one stops working at once and its live MQTT session is ended",
    auth: 'admin',
    scope: 'admin',
    params: deviceParams,
    responses: { 200: { description: 'the new secret', schema: rotateSecretResponse } },
  },
  {
    method: 'delete',
    path: '/api/v1/devices/{id}',
    summary: 'Decommission a device: it can no longer authenticate, its session and assignment end, rollouts let go of it; its history stays (idempotent)',
    auth: 'admin',
    scope: 'admin',
    params: deviceParams,
    responses: { 200: { description: 'decommissioned', schema: decommissionResponse } },
  },
];

export function registerDevices(app: Hono<AppEnv>, ctx: HubContext): void {
  app.post('/api/v1/devices', async (c) => {
    const input = parseInput(enrolDeviceBody, await readJsonBody(c));
    const enrolled = await enrolDevice(ctx, input, actorOf(c.get('principal')));
    // A rollout that already reached the device's ring assigns it right away (retained until it connects).
    requestReconcile(ctx);
    return c.json(enrolled, 201);
  });
  app.get('/api/v1/devices', async (c) => {
    const { limit, cursor, ring, tag, status, model, version, q } = parseInput(deviceListQuery, c.req.query());
    const colon = tag?.indexOf(':') ?? -1;
    const filter = {
      ...(ring === undefined ? {} : { ring }),
      ...(tag === undefined ? {} : { tag: { key: tag.slice(0, colon), value: tag.slice(colon + 1) } }),
      ...(status === undefined ? {} : { status }),
      ...(model === undefined ? {} : { model }),
      ...(version === undefined ? {} : { version }),
      ...(q === undefined ? {} : { idContains: q }),
    };
    return c.json(await pageOfDevices(ctx, { filter, ...(limit === undefined ? {} : { limit }), ...(cursor === undefined ? {} : { cursor }) }));
  });
  app.get('/api/v1/devices/:id', async (c) => {
    const { id } = parseInput(deviceParams, c.req.param());
    return c.json(await deviceView(ctx, id));
  });
  app.get('/api/v1/devices/:id/events', async (c) => {
    const { id } = parseInput(deviceParams, c.req.param());
    // 404 for an unknown device, not an empty list.
    if (!(await getDevice(ctx.db, id))) throw notFound(`device ${id}`);
    const events = (await listEvents(ctx.db, id)).map(({ eventId, kind, code, at, receivedAt, body }) => ({ eventId, kind, code, at, receivedAt, body }));
    return c.json({ events });
  });
  app.patch('/api/v1/devices/:id', async (c) => {
    const { id } = parseInput(deviceParams, c.req.param());
    const patch = parseInput(placeDeviceBody, await readJsonBody(c));
    await placeDevice(ctx, id, { ...(patch.ring !== undefined ? { ring: patch.ring } : {}), ...(patch.tags !== undefined ? { tags: patch.tags } : {}) }, actorOf(c.get('principal')));
    requestReconcile(ctx);
    return c.json(await deviceView(ctx, id));
  });
  app.put('/api/v1/devices/:id/assignment', async (c) => {
    const { id } = parseInput(deviceParams, c.req.param());
    const { model, version, shadow, trafficShare } = parseInput(assignmentBody, await readJsonBody(c));
    return c.json(await assignDevice(ctx, id, { model, version, shadow: shadow ?? null, trafficShare: trafficShare ?? null }, actorOf(c.get('principal'))));
  });
  app.post('/api/v1/devices/:id/secret', async (c) => {
    const { id } = parseInput(deviceParams, c.req.param());
    return c.json(await rotateDeviceSecret(ctx, id, actorOf(c.get('principal'))));
  });
  app.delete('/api/v1/devices/:id', async (c) => {
    const { id } = parseInput(deviceParams, c.req.param());
    const result = await decommissionDevice(ctx, id, actorOf(c.get('principal')));
    // Rollouts that counted it let go of it on their next pass.
    requestReconcile(ctx);
    return c.json(result);
  });
}
