/** Every console page by path (hash routing: #/devices/abc); each concept's pages live in its folder. */
import { alertsRoutes } from './pages/alerts/routes';
import { auditRoutes } from './pages/audit/routes';
import { datasetsRoutes } from './pages/datasets/routes';
import { devicesRoutes } from './pages/devices/routes';
import { driftRoutes } from './pages/drift/routes';
import { enrolmentRoutes } from './pages/enrolment/routes';
import { jobsRoutes } from './pages/jobs/routes';
import { modelsRoutes } from './pages/models/routes';
import { OverviewPage } from './pages/overview';
import type { PageRoute } from './pages/page-route';
import { rolloutsRoutes } from './pages/rollouts/routes';
import { trainingRoutes } from './pages/training/routes';
import { webhooksRoutes } from './pages/webhooks/routes';
import { tokensRoutes } from './pages/tokens/routes';

export const ROUTES: PageRoute[] = [
  { path: '/', component: OverviewPage },
  ...devicesRoutes,
  ...enrolmentRoutes,
  ...modelsRoutes,
  ...datasetsRoutes,
  ...trainingRoutes,
  ...rolloutsRoutes,
  ...driftRoutes,
  ...alertsRoutes,
  ...auditRoutes,
  ...webhooksRoutes,
  ...jobsRoutes,
  ...tokensRoutes,
];
