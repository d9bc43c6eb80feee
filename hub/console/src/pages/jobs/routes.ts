/** The scheduled jobs page. */
import type { PageRoute } from '../page-route';
import { JobsPage } from './jobs-page';

export const jobsRoutes: PageRoute[] = [{ path: '/jobs', component: JobsPage }];
