/**
 * A small ONNX graph builder over onnx-buf's ModelProto. It only assembles protobuf messages: no
 * shape inference, no checking beyond unique names and declared opset domains; onnxruntime is the
 * judge (tests load every model they build).
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  GraphProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  OperatorSetIdProtoSchema,
  StringStringEntryProtoSchema,
  ValueInfoProtoSchema,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';
import { makeAttribute, type Attr } from './attribute';
import { ELEMENT_TYPE_CODES, makeTensor, type ElementType, type TensorData } from './tensor';

/**
 * Default-domain opset of the models we write: 19, the first opset where Equal accepts strings
 * (our one-hot; see export-preprocess.ts). Both onnxruntime-node and onnxruntime-web 1.30 run every
 * op we emit at 19 (hub/test/core/onnx proves it); at 17 they reject string Equal as invalid.
 * Since opset 18, ReduceMean and friends take `axes` as an input, not an attribute.
 */
export const DEFAULT_OPSET = 19;
export const ML_DOMAIN = 'ai.onnx.ml';

/** IR version that goes with a default-domain opset (onnx/helper.py VERSION_TABLE). */
export function irVersionForOpset(opset: number): number {
  if (opset <= 8) return 3;
  if (opset <= 11) return opset - 5;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}

/** A dimension: a fixed size, or a symbolic name such as 'N' for the batch. */
export type Dim = number | string;

export interface NodeOptions {
  domain?: string;
  /** node name; a unique one is generated from the op type when absent */
  name?: string;
}

export interface ModelMeta {
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  /** written as ModelProto.metadata_props, in key order */
  metadata?: Record<string, string>;
  /** defaults to irVersionForOpset(default opset) */
  irVersion?: number;
}

export function makeValueInfo(name: string, type: ElementType, dims: readonly Dim[]): ValueInfoProto {
  const dim = dims.map((d) =>
    typeof d === 'number' ? { value: { case: 'dimValue' as const, value: BigInt(d) } } : { value: { case: 'dimParam' as const, value: d } },
  );
  return create(ValueInfoProtoSchema, {
    name,
    type: { value: { case: 'tensorType', value: { elemType: ELEMENT_TYPE_CODES[type], shape: { dim } } } },
  });
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly opsets = new Map<string, number>();

  constructor(
    readonly graphName = 'main',
    defaultOpset = DEFAULT_OPSET,
  ) {
    this.opsets.set('', defaultOpset);
  }

  /** Imports `domain` at `version` ('' is the default domain). */
  useOpset(domain: string, version: number): this {
    this.opsets.set(domain, version);
    return this;
  }

  /** A name starting with `base` that no tensor or node in this graph has used. */
  uniqueName(base: string): string {
    let n = this.counters.get(base) ?? 0;
    let name = n === 0 ? base : `${base}_${n}`;
    while (this.names.has(name)) name = `${base}_${++n}`;
    this.counters.set(base, n + 1);
    this.names.add(name);
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`onnx builder: name ${name} is already used`);
    this.names.add(name);
    return name;
  }

  input(name: string, type: ElementType, dims: readonly Dim[]): string {
    this.inputs.push(makeValueInfo(this.claim(name), type, dims));
    return name;
  }

  /** Declares a graph output; some node must write `name` (pass it in `outputs`). */
  output(name: string, type: ElementType, dims: readonly Dim[]): string {
    this.outputs.push(makeValueInfo(name, type, dims));
    return name;
  }

  /** Adds a constant under a unique name derived from `base`, and returns that name. */
  initializer(base: string, data: TensorData, dims: readonly number[]): string {
    const name = this.uniqueName(base);
    this.initializers.push(makeTensor(name, data, dims));
    return name;
  }

  /**
   * Adds a node. `outputs` are exact names (graph outputs), or a count of fresh names. Returns the
   * output names. Pass '' as an input to skip an optional one.
   */
  node(opType: string, inputs: readonly string[], outputs: readonly string[] | number = 1, attrs: Record<string, Attr> = {}, options: NodeOptions = {}): string[] {
    const base = opType.toLowerCase();
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.uniqueName(base)) : outputs.map((o) => this.claim(o));
    const name = options.name === undefined ? this.uniqueName(`${opType}_node`) : this.claim(options.name);
    this.nodes.push(
      create(NodeProtoSchema, {
        opType,
        name,
        domain: options.domain ?? '',
        input: [...inputs],
        output: outs,
        attribute: Object.entries(attrs).map(([key, value]) => makeAttribute(key, value)),
      }),
    );
    return outs;
  }

  /** A single-output node with a generated output name. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, options: NodeOptions = {}): string {
    const [out] = this.node(opType, inputs, 1, attrs, options);
    if (out === undefined) throw new Error('unreachable: one output requested');
    return out;
  }

  graph(): GraphProto {
    return create(GraphProtoSchema, {
      name: this.graphName,
      node: [...this.nodes],
      initializer: [...this.initializers],
      input: [...this.inputs],
      output: [...this.outputs],
    });
  }

  build(meta: ModelMeta = {}): ModelProto {
    const undeclared = this.nodes.map((n) => n.domain).filter((d) => d !== 'ai.onnx' && !this.opsets.has(d));
    if (undeclared.length > 0) throw new Error(`onnx builder: no opset imported for domain ${undeclared[0]}`);
    const defaultOpset = this.opsets.get('') ?? DEFAULT_OPSET;
    return create(ModelProtoSchema, {
      irVersion: BigInt(meta.irVersion ?? irVersionForOpset(defaultOpset)),
      producerName: meta.producerName ?? 'edgefleet',
      producerVersion: meta.producerVersion ?? '',
      docString: meta.docString ?? '',
      graph: this.graph(),
      opsetImport: [...this.opsets].map(([domain, version]) => create(OperatorSetIdProtoSchema, { domain, version: BigInt(version) })),
      metadataProps: Object.entries(meta.metadata ?? {}).map(([key, value]) => create(StringStringEntryProtoSchema, { key, value })),
    });
  }
}

export const encodeModel = (model: ModelProto): Uint8Array<ArrayBuffer> => toBinary(ModelProtoSchema, model);
export const decodeModel = (bytes: Uint8Array): ModelProto => fromBinary(ModelProtoSchema, bytes);
