/** A version's inputs and outputs as recorded at upload: name, tensor type, shape (symbolic dims by name). */
import { formatShape } from './format';
import type { VersionDetail } from './models-api';

export function IoTable({ io }: { io: VersionDetail['io'] }) {
  const rows = [...io.inputs.map((spec) => ({ ...spec, role: 'input' })), ...io.outputs.map((spec) => ({ ...spec, role: 'output' }))];
  return (
    <section aria-labelledby="io-title">
      <h2 id="io-title">Inputs and outputs</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Role</th>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Shape</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.role}:${row.name}`}>
              <td>{row.role}</td>
              <td>
                <code>{row.name}</code>
              </td>
              <td>{row.type}</td>
              <td>
                <code>{formatShape(row.shape)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
