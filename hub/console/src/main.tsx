/** The admin console: a session gate, then the pages under one layout. */
import { render } from 'preact';
import { useEffect } from 'preact/hooks';
import { Route, Router, Switch } from 'wouter-preact';
import { Layout } from './components/layout';
import { hrefOf, useHashSearch, usePath } from './hash-location';
import { Loading } from './components/status';
import { NotFoundPage } from './pages/not-found';
import { SignInPage } from './pages/sign-in';
import { ROUTES } from './routes';
import { linkInAddress, resumeSession, signInWithLink, useSession } from './session';
import './styles.css';

function App() {
  const session = useSession();
  useEffect(() => {
    // A sign-in link may open the console or arrive in an open one (pasted into the address bar).
    const followLink = (): boolean => {
      const link = linkInAddress(location.hash);
      if (link === null) return false;
      // The code leaves the address bar (and history) before it is used.
      history.replaceState(null, '', `${location.pathname}#/`);
      void signInWithLink(link);
      return true;
    };
    if (!followLink()) void resumeSession();
    addEventListener('hashchange', followLink);
    return () => removeEventListener('hashchange', followLink);
  }, []);
  if (session.kind === 'loading') return <Loading what="the console" />;
  if (session.kind === 'signed-out') return <SignInPage reason={session.reason} />;
  return (
    <Router hook={usePath} searchHook={useHashSearch} hrefs={hrefOf}>
      <Layout>
        <Switch>
          {ROUTES.map((route) => (
            <Route key={route.path} path={route.path} component={route.component} />
          ))}
          <Route component={NotFoundPage} />
        </Switch>
      </Layout>
    </Router>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);
