/** The audit log page. */
import type { PageRoute } from '../page-route';
import { AuditPage } from './audit-page';

export const auditRoutes: PageRoute[] = [{ path: '/audit', component: AuditPage }];
