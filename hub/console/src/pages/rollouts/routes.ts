/** The rollouts pages. */
import type { PageRoute } from '../page-route';

export const rolloutsRoutes: PageRoute[] = [];
