/** The models pages. */
import type { PageRoute } from '../page-route';

export const modelsRoutes: PageRoute[] = [];
