import { Link } from 'wouter-preact';
import { PageTitle } from '../components/status';

export function NotFoundPage() {
  return (
    <>
      <PageTitle>Not found</PageTitle>
      <p>
        No console page here. <Link href="/">Back to the overview</Link>
      </p>
    </>
  );
}
