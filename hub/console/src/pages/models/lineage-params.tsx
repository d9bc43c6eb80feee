/**
 * What a version was made with: its training (or upload) parameters, and for a quantized version
 * the quantizer's settings (method, per-channel, calibration, what it was judged on), all read
 * from the signed manifest's lineage.
 */
import { Badge } from '../../components/status';
import type { Lineage } from './models-api';

function ParamValue({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span class="muted">default</span>;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return <>{String(value)}</>;
  if (Array.isArray(value) && value.every((item) => typeof item !== 'object' || item === null)) return <>{value.join(', ')}</>;
  return <code>{JSON.stringify(value)}</code>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function ParamsTable({ label, params }: { label: string; params: Record<string, unknown> }) {
  return (
    <table aria-label={label}>
      <tbody>
        {Object.entries(params).map(([name, value]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>
              <ParamValue value={value} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function LineageParams({ lineage }: { lineage: Lineage }) {
  const { quantize, ...params } = lineage.params ?? {};
  if (Object.keys(params).length === 0) return null;
  return (
    <section aria-labelledby="params-title">
      <h2 id="params-title">{lineage.source?.startsWith('training-run:') || lineage.dataset ? 'Training parameters' : 'Parameters'}</h2>
      <ParamsTable label="Parameters" params={params} />
    </section>
  );
}

export function QuantizationFacts({ mode, lineage }: { mode: string; lineage: Lineage }) {
  if (mode === 'none') return null;
  const settings = lineage.params?.quantize;
  // mode is the Method above
  const { calibration, mode: _mode, ...rest } = isRecord(settings) ? settings : {};
  return (
    <section aria-labelledby="quantization-title">
      <h2 id="quantization-title">Quantization</h2>
      <dl class="facts">
        <dt>Method</dt>
        <dd>
          <Badge value={mode} />
        </dd>
        <dt>Calibration</dt>
        <dd>{isRecord(calibration) ? <ParamValue value={Object.entries(calibration).map(([key, value]) => `${key} ${String(value)}`)} /> : <span class="muted">{mode === 'int8-static' ? 'minmax (the default)' : 'none: only int8-static calibrates'}</span>}</dd>
      </dl>
      {Object.keys(rest).length > 0 ? <ParamsTable label="Quantization settings" params={rest} /> : null}
    </section>
  );
}
