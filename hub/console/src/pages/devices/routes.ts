/** The devices pages. */
import type { PageRoute } from '../page-route';

export const devicesRoutes: PageRoute[] = [];
