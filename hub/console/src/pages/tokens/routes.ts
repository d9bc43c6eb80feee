/** The admin tokens page (issue 16): scoped tokens for scripts and people. */
import type { PageRoute } from '../page-route';
import { TokensPage } from './tokens-page';

export const tokensRoutes: PageRoute[] = [{ path: '/tokens', component: TokensPage }];
