/**
 * The probe verdict: a candidate model must reproduce the manifest's golden outputs within
 * tolerance before it may serve. Pure, so the rule is tested without a model.
 */
import type { Probe, TensorJson } from '@edgefleet/protocol';

export type ProbeVerdict = { ok: true } | { ok: false; reason: string };

/** |actual - expected| <= abs + rel * |expected|, element by element (numpy's allclose rule). */
export function checkProbe(expected: Probe['expected'], actual: Record<string, TensorJson>, tolerance: Probe['tolerance']): ProbeVerdict {
  for (const [name, want] of Object.entries(expected)) {
    const got = actual[name];
    if (!got) return { ok: false, reason: `output ${name} is missing` };
    if (got.dims.length !== want.dims.length || got.dims.some((d, i) => d !== want.dims[i])) {
      return { ok: false, reason: `output ${name} has dims [${got.dims.join(',')}], expected [${want.dims.join(',')}]` };
    }
    if (got.data.length !== want.data.length) return { ok: false, reason: `output ${name} has ${got.data.length} values, expected ${want.data.length}` };
    for (let i = 0; i < want.data.length; i++) {
      const mismatch = compareElement(want.data[i], got.data[i], tolerance);
      if (mismatch) return { ok: false, reason: `output ${name}[${i}]: ${mismatch}` };
    }
  }
  return { ok: true };
}

function compareElement(want: unknown, got: unknown, tolerance: Probe['tolerance']): string | null {
  if (typeof want === 'number' && typeof got === 'number') {
    if (Number.isNaN(want) || Number.isNaN(got)) return Number.isNaN(want) && Number.isNaN(got) ? null : `got ${got}, expected ${want}`;
    const limit = tolerance.abs + tolerance.rel * Math.abs(want);
    return Math.abs(got - want) <= limit ? null : `got ${got}, expected ${want} (tolerance ${limit})`;
  }
  return want === got ? null : `got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
}
