/** The drift page. */
import type { PageRoute } from '../page-route';
import { DriftPage } from './drift-page';

export const driftRoutes: PageRoute[] = [
  { path: '/drift', component: DriftPage },
];
