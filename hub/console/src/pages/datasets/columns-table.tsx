/** The numbers of a page of columns: counts, gaps, spread (numeric) or categories, and the association with the target. */
import { Badge } from '../../components/status';
import { formatNumber } from '../models/format';
import type { ColumnSummary } from './datasets-api';

export function ColumnsTable({ columns, target }: { columns: ColumnSummary[]; target: string | undefined }) {
  return (
    <table aria-label="Column statistics">
      <thead>
        <tr>
          <th scope="col">Column</th>
          <th scope="col">Kind</th>
          <th scope="col" class="num">Present</th>
          <th scope="col" class="num">Missing</th>
          <th scope="col" class="num">Mean</th>
          <th scope="col" class="num">SD</th>
          <th scope="col" class="num">Min</th>
          <th scope="col" class="num">Median</th>
          <th scope="col" class="num">Max</th>
          <th scope="col" class="num">Distinct</th>
          {target ? <th scope="col" class="num">Association with {target}</th> : null}
        </tr>
      </thead>
      <tbody>
        {columns.map((column) => (
          <tr key={column.name}>
            <th scope="row">{column.name}</th>
            <td>
              <Badge value={column.kind} />
              {column.idLike ? <span class="hint"> id-like</span> : null}
            </td>
            <td class="num">{formatNumber(column.count)}</td>
            <td class="num">{formatNumber(column.missing)}</td>
            {column.kind === 'numeric' ? (
              <>
                <td class="num">{formatNumber(column.mean)}</td>
                <td class="num">{formatNumber(column.sd)}</td>
                <td class="num">{formatNumber(column.min)}</td>
                <td class="num">{formatNumber(column.quantiles.p50)}</td>
                <td class="num">{formatNumber(column.max)}</td>
                <td class="num muted">—</td>
              </>
            ) : (
              <>
                <td class="num muted">—</td>
                <td class="num muted">—</td>
                <td class="num muted">—</td>
                <td class="num muted">—</td>
                <td class="num muted">—</td>
                <td class="num">{formatNumber(column.distinct)}</td>
              </>
            )}
            {target ? (
              <td class="num" title={column.association?.measure}>
                {column.association ? `${formatNumber(column.association.value)} (${column.association.measure})` : <span class="muted">target</span>}
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
