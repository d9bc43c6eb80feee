/** The alerts pages. */
import type { PageRoute } from '../page-route';
import { AlertPage } from './alert-page';
import { AlertsPage } from './alerts-page';

export const alertsRoutes: PageRoute[] = [
  { path: '/alerts', component: AlertsPage },
  { path: '/alerts/:id', component: AlertPage },
];
