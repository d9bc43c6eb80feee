/**
 * What can be told about an ONNX file before any runtime opens it, from its protobuf wire format
 * alone (protobuf-wire.ts: no decoding, no copies, linear in the file):
 *
 * - **External data** (THREATS "external data"): a tensor whose bytes live in another file
 *   (`data_location: EXTERNAL`, or `external_data` entries). A device loads a model from the one
 *   file its signed manifest hashes, and a hub must never let a model name files beside it, so
 *   both refuse it explicitly instead of relying on onnxruntime happening to refuse it.
 * - **Oversized constant intermediates**: a node whose output size is fixed by constants in the
 *   file and is larger than the memory a model may use (`ConstantOfShape` of a constant shape,
 *   `RandomNormal`/`RandomUniform` with a `shape` attribute, `Expand` to a constant shape,
 *   `Range` over constant int64 bounds). A 165-byte file can ask for gigabytes this way; this
 *   names the node cheaply. It is a first filter only: shapes computed at run time are for the
 *   memory-capped probe (the agent's and the hub's model sandboxes) to catch.
 *
 * Pure and browser-safe, shared by every device runtime and the hub.
 */
import { WireError, WIRE, fieldsOf, int64Of, int64Values, numberOf, textOf, type Span } from './protobuf-wire';

export interface ExternalDataFinding {
  /** the tensor's name, and where it sits (initializer, node attribute, ...) */
  tensor: string;
  where: string;
}

export interface OversizedFinding {
  node: string;
  opType: string;
  /** elements of the node's output (a lower bound for Expand) */
  elements: number;
  /** bytes of that output (a lower bound when the element type is not in the file) */
  bytes: number;
}

export type OnnxScan =
  | { ok: true; externalData: ExternalDataFinding | null; oversized: OversizedFinding | null }
  /** not a well-formed protobuf ModelProto: the runtime would refuse it too */
  | { ok: false; reason: string };

export interface ScanOptions {
  /** a constant intermediate larger than this is reported (`oversized`) */
  maxIntermediateBytes: number;
}

// Field numbers of onnx.proto (onnx-buf's generated code names them).
const MODEL = { graph: 7, trainingInfo: 20, functions: 25 } as const;
const TRAINING_INFO = { initialization: 1, algorithm: 2 } as const;
const FUNCTION = { node: 7, attributeProto: 11 } as const;
const GRAPH = { node: 1, initializer: 5, sparseInitializer: 15 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 } as const;
const ATTRIBUTE = { name: 1, i: 3, t: 5, g: 6, ints: 8, tensors: 10, graphs: 11, sparseTensor: 22, sparseTensors: 23 } as const;
const TENSOR = { dataType: 2, int64Data: 7, name: 8, rawData: 9, externalData: 13, dataLocation: 14 } as const;
const SPARSE_TENSOR = { values: 1, indices: 2 } as const;
const DATA_LOCATION_EXTERNAL = 1;
const FLOAT = 1;
const INT64 = 7;

/** Bytes per element of each TensorProto.DataType (strings: at least a pointer; 4-bit types: half a byte). */
const ELEMENT_BYTES: Readonly<Record<number, number>> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 8: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 14: 8, 15: 16, 16: 2, 17: 1, 18: 1, 19: 1, 20: 1, 21: 0.5, 22: 0.5, 23: 0.5 };

/** Graphs nest through If/Loop/Scan bodies; deeper than this is an attack on the walker, not a model. */
const MAX_GRAPH_DEPTH = 64;
/** Shape-like constants are short; longer int64 tensors are weights, not shapes. */
const MAX_SHAPE_VALUES = 64;
/** Nodes remembered for the size check; a file with more of these ops gets the first ones checked. */
const MAX_CANDIDATES = 10_000;
const SIZED_OPS: ReadonlySet<string> = new Set(['ConstantOfShape', 'RandomNormal', 'RandomUniform', 'Expand', 'Range']);

interface TensorInfo {
  name: string;
  dataType: number;
  external: boolean;
  /** the values of a short int64 tensor, else null */
  int64: bigint[] | null;
}

interface Candidate {
  name: string;
  opType: string;
  inputs: string[];
  /** the `shape` attribute (Random*), the `dtype` attribute, the `value` tensor's type (ConstantOfShape) */
  shape: bigint[] | null;
  dataType: number | null;
}

class Scanner {
  externalData: ExternalDataFinding | null = null;
  /** names of short int64 constants (initializers, Constant nodes) and their values */
  readonly constants = new Map<string, bigint[]>();
  readonly candidates: Candidate[] = [];

  constructor(private readonly bytes: Uint8Array) {}

  model(): void {
    const fields = fieldsOf(this.bytes, { start: 0, end: this.bytes.length });
    while (fields.next()) {
      if (fields.wireType !== WIRE.bytes) continue;
      if (fields.number === MODEL.graph) this.graph(fields.span(), 0);
      else if (fields.number === MODEL.trainingInfo) {
        const inner = fieldsOf(this.bytes, fields);
        while (inner.next()) if (inner.wireType === WIRE.bytes && (inner.number === TRAINING_INFO.initialization || inner.number === TRAINING_INFO.algorithm)) this.graph(inner.span(), 0);
      } else if (fields.number === MODEL.functions) {
        const inner = fieldsOf(this.bytes, fields);
        while (inner.next()) {
          if (inner.wireType !== WIRE.bytes) continue;
          if (inner.number === FUNCTION.node) this.node(inner.span(), 0);
          // The defaults of a function's attributes: tensors (external data) and graphs like a node's.
          else if (inner.number === FUNCTION.attributeProto) this.attribute(inner.span(), 0, 'function', undefined, null);
        }
      }
    }
  }

  private graph(span: Span, depth: number): void {
    if (depth > MAX_GRAPH_DEPTH) throw new WireError(`graphs nested deeper than ${MAX_GRAPH_DEPTH}`);
    const fields = fieldsOf(this.bytes, span);
    while (fields.next()) {
      if (fields.wireType !== WIRE.bytes) continue;
      if (fields.number === GRAPH.node) this.node(fields.span(), depth);
      else if (fields.number === GRAPH.initializer) this.keep(this.tensor(fields, 'initializer'));
      else if (fields.number === GRAPH.sparseInitializer) this.sparse(fields, 'sparse initializer');
    }
  }

  private keep(tensor: TensorInfo, as = tensor.name): void {
    if (tensor.int64) this.constants.set(as, tensor.int64);
  }

  private sparse(span: Span, where: string): void {
    const fields = fieldsOf(this.bytes, span);
    while (fields.next()) {
      if (fields.wireType === WIRE.bytes && (fields.number === SPARSE_TENSOR.values || fields.number === SPARSE_TENSOR.indices)) this.tensor(fields, where);
    }
  }

  private tensor(span: Span, where: string): TensorInfo {
    const info: TensorInfo = { name: '', dataType: FLOAT, external: false, int64: null };
    const int64: bigint[] = [];
    let shortInt64 = true;
    let raw: Span | null = null;
    let name: Span | null = null;
    const fields = fieldsOf(this.bytes, span);
    while (fields.next()) {
      switch (fields.number) {
        case TENSOR.dataType:
          if (fields.wireType === WIRE.varint) info.dataType = numberOf(this.bytes, fields);
          break;
        case TENSOR.int64Data:
          if (shortInt64) shortInt64 = int64Values(this.bytes, fields, int64, MAX_SHAPE_VALUES);
          break;
        case TENSOR.name:
          if (fields.wireType === WIRE.bytes) name = fields.span();
          break;
        case TENSOR.rawData:
          if (fields.wireType === WIRE.bytes) raw = fields.span();
          break;
        case TENSOR.externalData:
          info.external = true;
          break;
        case TENSOR.dataLocation:
          if (fields.wireType === WIRE.varint && numberOf(this.bytes, fields) === DATA_LOCATION_EXTERNAL) info.external = true;
          break;
      }
    }
    if (info.dataType === INT64 && !info.external) {
      if (raw) info.int64 = littleEndianInt64(this.bytes, raw);
      else if (shortInt64) info.int64 = int64;
    }
    // Names are decoded only when something will use them.
    if (name && (info.external || info.int64)) info.name = textOf(this.bytes, name, 4096);
    if (info.external && !this.externalData) this.externalData = { tensor: info.name.slice(0, 200) || '(unnamed)', where };
    return info;
  }

  private node(span: Span, depth: number): void {
    const inputs: Span[] = [];
    let output: Span | null = null;
    let name: Span | null = null;
    let opType = '';
    const attributes: Span[] = [];
    const fields = fieldsOf(this.bytes, span);
    while (fields.next()) {
      if (fields.wireType !== WIRE.bytes) continue;
      // Only the first few inputs and the first output matter to the checks below.
      if (fields.number === NODE.input) {
        if (inputs.length < 4) inputs.push(fields.span());
      } else if (fields.number === NODE.output) output ??= fields.span();
      else if (fields.number === NODE.name) name = fields.span();
      else if (fields.number === NODE.opType) opType = textOf(this.bytes, fields, 64);
      else if (fields.number === NODE.attribute) attributes.push(fields.span());
    }
    const sized = SIZED_OPS.has(opType) && this.candidates.length < MAX_CANDIDATES;
    const candidate: Candidate | null = sized
      ? { name: (name && textOf(this.bytes, name)) || `${opType} node`, opType, inputs: inputs.map((input) => textOf(this.bytes, input, 4096)), shape: null, dataType: null }
      : null;
    const constantOutput = opType === 'Constant' && output ? textOf(this.bytes, output, 4096) : undefined;
    for (const attribute of attributes) this.attribute(attribute, depth, opType, constantOutput, candidate);
    if (candidate) this.candidates.push(candidate);
  }

  private attribute(span: Span, depth: number, opType: string, constantOutput: string | undefined, candidate: Candidate | null): void {
    let attributeName: Span | null = null;
    const ints: bigint[] = [];
    let intsComplete = true;
    let int: bigint | null = null;
    const where = `attribute of a ${opType || 'node'}`;
    const fields = fieldsOf(this.bytes, span);
    while (fields.next()) {
      switch (fields.number) {
        case ATTRIBUTE.name:
          if (fields.wireType === WIRE.bytes) attributeName = fields.span();
          break;
        case ATTRIBUTE.i:
          if (fields.wireType === WIRE.varint) int = int64Of(this.bytes, fields);
          break;
        case ATTRIBUTE.ints:
          if (intsComplete) intsComplete = int64Values(this.bytes, fields, ints, MAX_SHAPE_VALUES);
          break;
        case ATTRIBUTE.t: {
          if (fields.wireType !== WIRE.bytes) break;
          const tensor = this.tensor(fields, where);
          if (constantOutput !== undefined) this.keep(tensor, constantOutput);
          if (candidate && opType === 'ConstantOfShape') candidate.dataType = tensor.dataType;
          break;
        }
        case ATTRIBUTE.tensors:
          if (fields.wireType === WIRE.bytes) this.tensor(fields, where);
          break;
        case ATTRIBUTE.sparseTensor:
        case ATTRIBUTE.sparseTensors:
          if (fields.wireType === WIRE.bytes) this.sparse(fields, where);
          break;
        case ATTRIBUTE.g:
        case ATTRIBUTE.graphs:
          if (fields.wireType === WIRE.bytes) this.graph(fields.span(), depth + 1);
          break;
      }
    }
    if (constantOutput === undefined && !candidate) return;
    // The attribute's name is known only once all its fields were read (protobuf has no field order).
    const named = attributeName ? textOf(this.bytes, attributeName, 64) : '';
    if (constantOutput !== undefined) {
      if (named === 'value_ints' && intsComplete) this.constants.set(constantOutput, ints);
      else if (named === 'value_int' && int !== null) this.constants.set(constantOutput, [int]);
    }
    if (candidate) {
      if (named === 'shape' && intsComplete) candidate.shape = ints;
      else if (named === 'dtype' && int !== null) candidate.dataType = Number(int);
    }
  }
}

/** A short little-endian int64 tensor's values from raw_data; null when it is not short. */
function littleEndianInt64(bytes: Uint8Array, raw: Span): bigint[] | null {
  const length = raw.end - raw.start;
  if (length % 8 !== 0 || length / 8 > MAX_SHAPE_VALUES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + raw.start, length);
  return Array.from({ length: length / 8 }, (_, i) => view.getBigInt64(i * 8, true));
}

const product = (dims: readonly bigint[]): bigint | null => (dims.some((d) => d < 0n) ? null : dims.reduce((n, d) => n * d, 1n));

/** Output elements of a candidate whose size the file fixes, else null. */
function elementsOf(candidate: Candidate, constants: ReadonlyMap<string, bigint[]>): bigint | null {
  const constant = (index: number) => {
    const name = candidate.inputs[index];
    return name === undefined ? undefined : constants.get(name);
  };
  switch (candidate.opType) {
    case 'ConstantOfShape': {
      const shape = constant(0);
      return shape ? product(shape) : null;
    }
    case 'RandomNormal':
    case 'RandomUniform':
      return candidate.shape ? product(candidate.shape) : null;
    case 'Expand': {
      // Broadcasting never makes the output smaller than the target shape.
      const shape = constant(1);
      return shape ? product(shape) : null;
    }
    case 'Range': {
      const [start, limit, delta] = [constant(0)?.[0], constant(1)?.[0], constant(2)?.[0]];
      if (start === undefined || limit === undefined || delta === undefined || delta === 0n) return null;
      const span = limit - start;
      const n = span / delta + (span % delta === 0n ? 0n : 1n);
      return n > 0n ? n : 0n;
    }
    default:
      return null;
  }
}

function bytesPerElement(candidate: Candidate): number {
  if (candidate.opType === 'Range') return ELEMENT_BYTES[INT64] ?? 8;
  // Expand keeps its input's type, which only shape inference knows: count one byte, a lower bound.
  if (candidate.opType === 'Expand') return 1;
  return ELEMENT_BYTES[candidate.dataType ?? FLOAT] ?? 1;
}

/** Walks `bytes` as an ONNX ModelProto; see the file comment for what it reports. */
export function scanOnnxModel(bytes: Uint8Array, options: ScanOptions): OnnxScan {
  const scanner = new Scanner(bytes);
  try {
    scanner.model();
  } catch (error) {
    if (error instanceof WireError || error instanceof RangeError) return { ok: false, reason: error.message };
    throw error;
  }
  let oversized: OversizedFinding | null = null;
  for (const candidate of scanner.candidates) {
    const elements = elementsOf(candidate, scanner.constants);
    if (elements === null) continue;
    const bytesNeeded = Number(elements) * bytesPerElement(candidate);
    if (bytesNeeded > options.maxIntermediateBytes && (oversized === null || bytesNeeded > oversized.bytes)) {
      oversized = { node: candidate.name, opType: candidate.opType, elements: Number(elements), bytes: bytesNeeded };
    }
  }
  return { ok: true, externalData: scanner.externalData, oversized };
}

const MIB = 1024 * 1024;

/** "ConstantOfShape node 'big' makes 805000000 elements (3070 MiB)", for refusals. */
export const describeOversized = (found: OversizedFinding): string =>
  `${found.opType} node '${found.node}' makes ${found.elements} elements (${Math.ceil(found.bytes / MIB)} MiB${found.opType === 'Expand' ? ' at least' : ''})`;

/** "initializer 'w' keeps its data in an external file", for refusals. */
export const describeExternalData = (found: ExternalDataFinding): string => `${found.where} '${found.tensor}' keeps its data in an external file`;
