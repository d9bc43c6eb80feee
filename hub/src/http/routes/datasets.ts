/** Admin routes: (being built). */
import type { Hono } from 'hono';
import type { HubContext } from '../../services/context';
import type { AppEnv } from '../auth';
import type { RouteSpec } from '../openapi';

export const datasetSpecs: RouteSpec[] = [];

export function registerDatasets(_app: Hono<AppEnv>, _ctx: HubContext): void {}
