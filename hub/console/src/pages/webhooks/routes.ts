/** The webhooks pages. */
import type { PageRoute } from '../page-route';

export const webhooksRoutes: PageRoute[] = [];
