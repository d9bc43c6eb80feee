/** The browser enrolment page (issue 14): enrolment tokens for the edge inference page. */
import type { PageRoute } from '../page-route';
import { EnrolmentPage } from './enrolment-page';

export const enrolmentRoutes: PageRoute[] = [{ path: '/enrolment', component: EnrolmentPage }];
