/** The devices pages. */
import type { PageRoute } from '../page-route';
import { DevicePage } from './device-page';
import { DevicesPage } from './devices-page';

export const devicesRoutes: PageRoute[] = [
  { path: '/devices', component: DevicesPage },
  { path: '/devices/:id', component: DevicePage },
];
