/** The audit pages. */
import type { PageRoute } from '../page-route';

export const auditRoutes: PageRoute[] = [];
