/** The rollouts pages: the list, a new rollout, one rollout. */
import type { PageRoute } from '../page-route';
import { RolloutPage } from './detail';
import { RolloutsPage } from './list';
import { NewRolloutPage } from './new';

export const rolloutsRoutes: PageRoute[] = [
  { path: '/rollouts', component: RolloutsPage },
  // Before /rollouts/:id, which would take "new" for an id.
  { path: '/rollouts/new', component: NewRolloutPage },
  { path: '/rollouts/:id', component: RolloutPage },
];
