/**
 * Structural checks on a TrainedNetwork before it is run or exported: layer sizes chain from the
 * encoded width, arrays have the sizes they claim, and the last layer fits the head.
 */
import { validation } from '../errors';
import { encodedWidth, type Head, type TrainedNetwork } from '../training/types';
import { checkCategories } from './feature-spec';

/** How many values the final layer must produce for a head over `width` encoded features. */
export function headInputs(head: Head, width: number): number {
  switch (head.kind) {
    case 'softmax':
      return head.classes.length;
    case 'sigmoid-binary':
    case 'identity':
      return 1;
    case 'reconstruction':
      return width;
  }
}

export function checkNetwork(net: TrainedNetwork): void {
  const width = encodedWidth(net.features);
  if (width === 0) throw validation('network has no input features');
  checkCategories(net.features);
  if (net.layers.length === 0) throw validation('network has no layers');
  let inputs = width;
  net.layers.forEach((layer, i) => {
    if (layer.inputs !== inputs) throw validation(`layer ${i}: takes ${layer.inputs} inputs, previous stage gives ${inputs}`);
    if (layer.weights.length !== layer.inputs * layer.outputs) throw validation(`layer ${i}: ${layer.weights.length} weights for ${layer.inputs}x${layer.outputs}`);
    if (layer.bias.length !== layer.outputs) throw validation(`layer ${i}: ${layer.bias.length} biases for ${layer.outputs} outputs`);
    inputs = layer.outputs;
  });
  const head = net.head;
  if (head.kind === 'softmax' && head.classes.length < 2) throw validation('softmax head needs at least 2 classes');
  if (head.kind === 'identity' && !(Number.isFinite(head.targetMean) && Number.isFinite(head.targetSd))) throw validation('identity head: target mean and sd must be finite');
  if (head.kind === 'reconstruction' && !Number.isFinite(head.threshold)) throw validation('reconstruction head: threshold must be finite');
  const expected = headInputs(head, width);
  if (inputs !== expected) throw validation(`last layer gives ${inputs} outputs, ${head.kind} head needs ${expected}`);
}
