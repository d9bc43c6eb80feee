/** The rollout's devices: which step took them, where they stand, how they run the new version, what they ran before (a page of them at a time). */
import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { Badge, Empty } from '../../components/status';
import type { Rollout } from './types';

const PAGE = 25;

/** What the new version does on the device: serves, runs beside the old one, or answers a share of its requests (ramp-up). */
function runsText(m: Rollout['members'][number]): string {
  if (m.mode === 'active') return 'the new version';
  return m.trafficShare === null ? 'beside (shadow)' : `${Math.round(m.trafficShare * 1000) / 10}% of requests`;
}

export function MemberTable({ rollout }: { rollout: Rollout }) {
  const [page, setPage] = useState(0);
  const members = rollout.members;
  const pages = Math.max(1, Math.ceil(members.length / PAGE));
  const shown = members.slice(page * PAGE, page * PAGE + PAGE);
  return (
    <>
      <table>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col" class="num">Step</th>
            <th scope="col">Status</th>
            <th scope="col">Runs</th>
            <th scope="col">Previous</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {members.length === 0 ? <Empty colSpan={6}>No device has joined yet.</Empty> : null}
          {shown.map((m) => (
            <tr key={m.device}>
              <td>
                <Link href={`/devices/${encodeURIComponent(m.device)}`}>{m.device}</Link>
              </td>
              <td class="num">{m.step + 1}</td>
              <td>
                <Badge value={m.status} />
              </td>
              <td>{runsText(m)}</td>
              <td>{m.previous ?? <span class="muted">nothing</span>}</td>
              <td>{m.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {pages > 1 ? (
        <div class="pager">
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
            Previous
          </button>
          <span>
            page {page + 1} of {pages} ({members.length} devices)
          </span>
          <button type="button" disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>
            Next
          </button>
        </div>
      ) : null}
    </>
  );
}
