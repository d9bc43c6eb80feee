/** The datasets pages. */
import type { PageRoute } from '../page-route';

export const datasetsRoutes: PageRoute[] = [];
