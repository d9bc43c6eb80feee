/**
 * Counts of one numeric signal on fixed edges, plus the moments of its finite values. The hot
 * path (`add`) allocates nothing: counts live in a Float64Array (exact integers up to 2^53) and
 * the bin comes from protocol's `binOf`, the one binning function devices and the hub share.
 */
import { binOf, type BinnedStats } from '@edgefleet/protocol';

export class BinCounter {
  private readonly counts: Float64Array;
  private underflow = 0;
  private overflow = 0;
  private missing = 0;
  private sum = 0;
  private sumSq = 0;
  private min = Infinity;
  private max = -Infinity;

  constructor(readonly edges: readonly number[]) {
    this.counts = new Float64Array(Math.max(0, edges.length - 1));
  }

  /** NaN is missing; +-Infinity lands in under/overflow and stays out of the moments. */
  add(value: number): void {
    const slot = binOf(this.edges, value);
    if (typeof slot === 'number') this.counts[slot]! += 1;
    else if (slot === 'underflow') this.underflow++;
    else if (slot === 'overflow') this.overflow++;
    else this.missing++;
    if (!Number.isFinite(value)) return;
    this.sum += value;
    this.sumSq += value * value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  snapshot(): BinnedStats {
    const seenFinite = this.min <= this.max;
    return {
      counts: Array.from(this.counts),
      underflow: this.underflow,
      overflow: this.overflow,
      missing: this.missing,
      sum: this.sum,
      sumSq: this.sumSq,
      min: seenFinite ? this.min : null,
      max: seenFinite ? this.max : null,
    };
  }

  reset(): void {
    this.counts.fill(0);
    this.underflow = this.overflow = this.missing = 0;
    this.sum = this.sumSq = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }
}

/** Category counts on the reference's categories; '' (or an absent value) is missing. */
export class CategoryCounter {
  private readonly counts: Float64Array;
  private readonly index: Map<string, number>;
  private unseen = 0;
  private missing = 0;

  constructor(categories: readonly string[]) {
    this.counts = new Float64Array(categories.length);
    this.index = new Map(categories.map((category, i) => [category, i]));
  }

  add(value: string): void {
    if (value === '') {
      this.missing++;
      return;
    }
    const slot = this.index.get(value);
    if (slot === undefined) this.unseen++;
    else this.counts[slot]! += 1;
  }

  snapshot(): { counts: number[]; unseen: number; missing: number } {
    return { counts: Array.from(this.counts), unseen: this.unseen, missing: this.missing };
  }

  reset(): void {
    this.counts.fill(0);
    this.unseen = this.missing = 0;
  }
}
