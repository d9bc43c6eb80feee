/** The drift pages. */
import type { PageRoute } from '../page-route';

export const driftRoutes: PageRoute[] = [];
