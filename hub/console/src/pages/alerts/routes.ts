/** The alerts pages. */
import type { PageRoute } from '../page-route';

export const alertsRoutes: PageRoute[] = [];
