/**
 * Exports a TrainedNetwork as a self-contained ONNX model: raw features in, head outputs out
 * (types.ts). The preprocessing, layers and head are built by export-preprocess.ts and
 * export-head.ts; the feature names and categories and the head also travel as JSON in
 * metadata_props, so the hub and devices can label outputs and build inputs without a side file.
 */
import type { ModelProto } from 'onnx-buf';
import type { TrainedNetwork } from '../training/types';
import { GraphBuilder, encodeModel, type ModelMeta } from './builder';
import { addDenseLayer, addHead } from './export-head';
import { addPreprocessing } from './export-preprocess';
import { checkNetwork } from './network-check';

export const FEATURES_METADATA_KEY = 'edgefleet.features';
export const HEAD_METADATA_KEY = 'edgefleet.head';

export interface ExportMeta {
  /** ModelProto.producer_name; default 'edgefleet' */
  producer?: string;
  /** ModelProto.producer_version; default '' */
  producerVersion?: string;
  /** ModelProto.doc_string; default '' */
  docString?: string;
  /** extra metadata_props; the edgefleet.* keys are always written by the exporter and win */
  metadata?: Record<string, string>;
}

/** The graph of `net` as a ModelProto, for callers that transform it further (the quantizer). */
export function buildNetworkModel(net: TrainedNetwork, meta: ExportMeta = {}): ModelProto {
  checkNetwork(net);
  const g = new GraphBuilder('edgefleet_network');
  const encoded = addPreprocessing(g, net.features);
  const out = net.layers.reduce((x, layer, i) => addDenseLayer(g, x, layer, i), encoded);
  addHead(g, net.head, out, encoded);
  const modelMeta: ModelMeta = {
    producerName: meta.producer ?? 'edgefleet',
    producerVersion: meta.producerVersion ?? '',
    docString: meta.docString ?? '',
    metadata: {
      ...meta.metadata,
      // Names and categories only: the scaling constants are in the graph, and a copy of them
      // here would cost small int8 models a large share of their size.
      [FEATURES_METADATA_KEY]: JSON.stringify({ numeric: net.features.numeric.map((f) => f.name), categorical: net.features.categorical }),
      [HEAD_METADATA_KEY]: JSON.stringify(net.head),
    },
  };
  return g.build(modelMeta);
}

/** The ONNX file bytes of `net`. Throws a HubError E_VALIDATION when the network is inconsistent. */
export function exportNetwork(net: TrainedNetwork, meta: ExportMeta = {}): Uint8Array<ArrayBuffer> {
  return encodeModel(buildNetworkModel(net, meta));
}
