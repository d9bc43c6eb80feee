/** The webhook deliveries page. */
import type { PageRoute } from '../page-route';
import { WebhooksPage } from './webhooks-page';

export const webhooksRoutes: PageRoute[] = [{ path: '/webhooks', component: WebhooksPage }];
