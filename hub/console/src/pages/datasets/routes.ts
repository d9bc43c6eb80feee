/** The datasets pages. */
import type { PageRoute } from '../page-route';
import { DatasetPage } from './dataset-page';
import { DatasetsPage } from './datasets-page';

export const datasetsRoutes: PageRoute[] = [
  { path: '/datasets', component: DatasetsPage },
  { path: '/datasets/:id', component: DatasetPage },
];
