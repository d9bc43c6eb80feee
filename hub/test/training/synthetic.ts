/**
 * A small seeded CSV for the training API tests: two numeric features (one with gaps), a
 * categorical one, and a class label that depends on all three, so a model beats the prior.
 */
import { createRandom } from '../../src/core/training/random';

export function syntheticCsv(rows: number, seed = 5): Uint8Array {
  const random = createRandom(seed);
  const colors = ['red', 'green', 'blue'];
  const lines = ['x1,x2,color,y,value'];
  for (let i = 0; i < rows; i++) {
    const x1 = random.gaussian();
    const x2 = random.gaussian();
    const color = colors[random.int(3)] as string;
    const score = 1.5 * x1 - x2 + (color === 'red' ? 1 : color === 'blue' ? -1 : 0) + 0.3 * random.gaussian();
    const y = score > 0.8 ? 'high' : score < -0.8 ? 'low' : 'mid';
    const value = 2 * x1 + x2 + 0.1 * random.gaussian();
    lines.push(`${i % 17 === 0 ? '' : x1.toFixed(4)},${x2.toFixed(4)},${color},${y},${value.toFixed(4)}`);
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}
