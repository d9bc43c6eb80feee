/** The training pages: the runs and the start form, one run live, runs compared side by side. */
import type { PageRoute } from '../page-route';
import { ComparePage } from './compare-page';
import { TrainingRunRoute } from './run-page';
import { TrainingRunsPage } from './runs-page';

export const trainingRoutes: PageRoute[] = [
  { path: '/training', component: TrainingRunsPage },
  // Before '/training/:id', which would take 'compare' for a run id.
  { path: '/training/compare', component: ComparePage },
  { path: '/training/:id', component: TrainingRunRoute },
];
