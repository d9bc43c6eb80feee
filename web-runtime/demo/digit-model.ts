/**
 * The one place that knows the digits model's inputs and outputs: a float32 `numeric` [1, 784]
 * (the 28x28 pixels, row-major) in, `probabilities` [1, 10] out. The release manifest declares
 * them (its io); until the runtime exposes the serving release's io, the page assumes these.
 */
import type { TypedTensor, WebPrediction } from '@edgefleet/web-runtime';
import { MNIST_SIDE } from './preprocess';

export const DIGIT_IO = {
  input: 'numeric',
  dims: [1, MNIST_SIDE * MNIST_SIDE] as const,
  output: 'probabilities',
  classes: 10,
} as const;

/** The model's inputs for the 784 pixels of one drawing. */
export function digitInputs(pixels: Float32Array): Record<string, TypedTensor> {
  return { [DIGIT_IO.input]: { type: 'float32', dims: DIGIT_IO.dims, data: pixels } };
}

export interface DigitAnswer {
  /** the most probable class */
  digit: number;
  /** one per class, exactly as the model returned them */
  probabilities: readonly number[];
}

/** The classes' probabilities and the winner; throws when the model answered in another shape. */
export function digitAnswer(prediction: WebPrediction): DigitAnswer {
  const output = prediction.outputs[DIGIT_IO.output];
  if (!output || output.type !== 'float32' || output.data.length < DIGIT_IO.classes) {
    throw new Error(`the model did not answer with ${DIGIT_IO.output} float32 [1, ${DIGIT_IO.classes}]`);
  }
  const probabilities = Array.from(output.data.subarray(0, DIGIT_IO.classes));
  let digit = 0;
  probabilities.forEach((p, i) => {
    if (p > (probabilities[digit] ?? -Infinity)) digit = i;
  });
  return { digit, probabilities };
}
