/** The frame of every signed-in page: a skip link, the navigation, the live-updates status, sign-out. */
import type { ComponentChildren } from 'preact';
import { Link, useLocation } from 'wouter-preact';
import { useLiveStatus } from '../api/live';
import { useCan } from '../scope';
import { signOut, useSession } from '../session';

const NAV: { href: string; label: string; adminOnly?: boolean }[] = [
  { href: '/', label: 'Overview' },
  { href: '/devices', label: 'Devices' },
  { href: '/enrolment', label: 'Browser enrolment' },
  { href: '/models', label: 'Models' },
  { href: '/datasets', label: 'Datasets' },
  { href: '/training', label: 'Training' },
  { href: '/rollouts', label: 'Rollouts' },
  { href: '/drift', label: 'Drift' },
  { href: '/alerts', label: 'Alerts' },
  { href: '/audit', label: 'Audit log' },
  { href: '/webhooks', label: 'Webhooks' },
  { href: '/jobs', label: 'Jobs' },
  { href: '/tokens', label: 'Admin tokens', adminOnly: true },
];

const LIVE_TEXT = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', off: 'offline' } as const;

function isCurrent(location: string, href: string): boolean {
  return href === '/' ? location === '/' : location === href || location.startsWith(`${href}/`);
}

export function Layout({ children }: { children: ComponentChildren }) {
  const [location] = useLocation();
  const live = useLiveStatus();
  const session = useSession();
  const isAdmin = useCan('admin');
  return (
    <>
      <a class="skip" href="#main" onClick={(event) => {
        event.preventDefault();
        document.getElementById('main')?.focus();
      }}>Skip to content</a>
      <header class="top">
        <span class="brand">edgefleet</span>
        <span class={`live live-${live}`} role="status" aria-live="polite">
          Updates: {LIVE_TEXT[live]}
        </span>
        {session.kind === 'signed-in' ? (
          <span class="who" data-scope={session.scope}>
            {session.token ? `Token ${session.token.name}` : 'Admin token'} · scope {session.scope}
          </span>
        ) : null}
        <button type="button" class="quiet" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <div class="frame">
        <nav aria-label="Console">
          <ul>
            {NAV.filter((item) => !item.adminOnly || isAdmin).map((item) => (
              <li key={item.href}>
                <Link href={item.href} aria-current={isCurrent(location, item.href) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </>
  );
}
