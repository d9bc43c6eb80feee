/** The models pages. */
import type { PageRoute } from '../page-route';
import { ModelsPage } from './models-page';
import { VersionPage } from './version-page';

export const modelsRoutes: PageRoute[] = [
  { path: '/models', component: ModelsPage },
  { path: '/models/:model/:version', component: VersionPage },
];
