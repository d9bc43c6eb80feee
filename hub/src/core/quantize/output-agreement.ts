/**
 * How closely a quantized model's outputs follow its source's on the same inputs (pure).
 * The gate looks at the primary (first) output, row by row (a row = one item of the batch):
 *  - rows wider than one value (class scores, logits): the argmax must agree;
 *  - one value per row (a probability, a regression value): |int8 - fp32| <= abs + rel * |fp32|.
 * Every output's largest absolute difference is reported too (recurrent state outputs such as
 * Silero's `stateN` drift more than the prediction they feed, so they are reported, not gated).
 */

export interface OutputTensor {
  dims: readonly number[];
  data: ArrayLike<number>;
}

/** One run's outputs by name. */
export type RunOutputs = Readonly<Record<string, OutputTensor>>;

export interface AgreementTolerance {
  abs: number;
  rel: number;
}

/** Measured on Silero VAD v5 weight-only int8 over speech-like frames: max |dp| 0.016. */
export const DEFAULT_AGREEMENT_TOLERANCE: AgreementTolerance = { abs: 0.02, rel: 0.02 };

export interface Agreement {
  /** the output the agreement is measured on */
  output: string;
  /** 'argmax' for rows of several values, 'tolerance' for one value per row */
  rule: 'argmax' | 'tolerance';
  rows: number;
  /** fraction of rows that agree, in [0, 1] */
  agreement: number;
  /** max |int8 - fp32| per output */
  maxAbsDiff: Record<string, number>;
}

function argmax(data: ArrayLike<number>, start: number, width: number): number {
  let best = start;
  for (let i = start + 1; i < start + width; i++) if ((data[i] ?? -Infinity) > (data[best] ?? -Infinity)) best = i;
  return best - start;
}

const rowWidth = (dims: readonly number[]): number => (dims.length <= 1 ? 1 : dims.slice(1).reduce((n, d) => n * d, 1));

/** `reference[i]` and `candidate[i]` are the outputs of the same inputs; `primary` names the gated output. */
export function outputAgreement(reference: readonly RunOutputs[], candidate: readonly RunOutputs[], primary: string, tolerance: AgreementTolerance = DEFAULT_AGREEMENT_TOLERANCE): Agreement {
  if (reference.length !== candidate.length) throw new Error(`outputAgreement: ${reference.length} reference runs but ${candidate.length} candidate runs`);
  const maxAbsDiff: Record<string, number> = {};
  let rows = 0;
  let agreeing = 0;
  let rule: Agreement['rule'] = 'tolerance';
  reference.forEach((ref, run) => {
    const got = candidate[run] ?? {};
    for (const [name, want] of Object.entries(ref)) {
      const have = got[name];
      if (!have || have.data.length !== want.data.length) throw new Error(`outputAgreement: output ${name} of run ${run} is missing or has another size`);
      let max = maxAbsDiff[name] ?? 0;
      for (let i = 0; i < want.data.length; i++) {
        const diff = Math.abs((have.data[i] ?? Number.NaN) - (want.data[i] ?? Number.NaN));
        max = Math.max(max, Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff);
      }
      maxAbsDiff[name] = max;
      if (name !== primary) continue;
      const width = rowWidth(want.dims);
      rule = width > 1 ? 'argmax' : 'tolerance';
      for (let start = 0; start + width <= want.data.length; start += width) {
        rows++;
        if (width > 1) {
          if (argmax(want.data, start, width) === argmax(have.data, start, width)) agreeing++;
        } else {
          const a = want.data[start] ?? Number.NaN;
          if (Math.abs((have.data[start] ?? Number.NaN) - a) <= tolerance.abs + tolerance.rel * Math.abs(a)) agreeing++;
        }
      }
    }
  });
  return { output: primary, rule, rows, agreement: rows === 0 ? 0 : agreeing / rows, maxAbsDiff };
}
