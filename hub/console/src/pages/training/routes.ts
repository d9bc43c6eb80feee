/** The training pages. */
import type { PageRoute } from '../page-route';

export const trainingRoutes: PageRoute[] = [];
