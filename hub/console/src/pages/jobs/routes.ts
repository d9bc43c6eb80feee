/** The jobs pages. */
import type { PageRoute } from '../page-route';

export const jobsRoutes: PageRoute[] = [];
