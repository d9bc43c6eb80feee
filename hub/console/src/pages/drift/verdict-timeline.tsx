/** The scope's verdict hour by hour: each hour's statistics alone against the reference. */
import { Badge } from '../../components/status';
import { hourLabel } from './format';
import type { HourVerdict } from './types';

export function VerdictTimeline({ hours }: { hours: HourVerdict[] }) {
  if (hours.length === 0) return <p class="muted">No hour with statistics in this range.</p>;
  return (
    <>
      {/* A strip to take in at a glance; the table below says the same in words. */}
      <ol class="drift-strip" aria-hidden="true">
        {hours.map((h) => (
          <li key={h.hour} class={`tone-${h.verdict === 'drift' ? 'bad' : h.verdict === 'ok' ? 'good' : 'warn'}`} title={`${hourLabel(h.hour)}: ${h.verdict}`} />
        ))}
      </ol>
      <table>
        <caption class="muted drift-caption">Verdict per hour, oldest first</caption>
        <thead>
          <tr>
            <th scope="col">Hour</th>
            <th scope="col">Verdict</th>
            <th scope="col">Drifting</th>
            <th scope="col" class="num">Devices</th>
            <th scope="col" class="num">Rows</th>
          </tr>
        </thead>
        <tbody>
          {hours.map((h) => (
            <tr key={h.hour}>
              <th scope="row">
                <time dateTime={h.hour}>{hourLabel(h.hour)}</time>
              </th>
              <td>
                <Badge value={h.verdict} />
              </td>
              <td>{h.drifting.length > 0 ? h.drifting.join(', ') : <span class="muted">—</span>}</td>
              <td class="num">{h.devices}</td>
              <td class="num">{h.n}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
