import { create, fromBinary, toBinary } from '@bufbuild/protobuf';

import { OnnxError } from './errors';
import {
  AttributeProto_AttributeType as AttrType,
  AttributeProtoSchema,
  ModelProtoSchema,
  NodeProtoSchema,
  TensorProto_DataType as DataType,
  TensorProtoSchema,
} from './proto/onnx_pb';
import type {
  AttributeProto,
  GraphProto,
  ModelProto,
  NodeProto,
  TensorProto,
  ValueInfoProto,
} from './proto/onnx_pb';

export { AttrType, DataType };
export type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto };

// ***** reading and writing ModelProto *****

/**
 * Parse an ONNX file. Unknown fields are kept, so `serializeModel(parseModel(b))` is byte-identical to `b`
 * for any model whose fields are in canonical order (every ONNX writer we know).
 */
export function parseModel(bytes: Uint8Array, fileName = 'the file'): ModelProto {
  if (bytes.length === 0) throw new OnnxError(`'${fileName}' is empty (0 bytes). Choose an .onnx model file.`);
  // A ModelProto starts with field 1 (ir_version, varint: 0x08) or, rarely, another field tag; text, zip and
  // image files start with other bytes. This catches the common wrong-file cases with a clearer message.
  const head = bytes[0];
  if (head === 0x50 && bytes[1] === 0x4b) {
    throw new OnnxError(`'${fileName}' is a zip archive, not an ONNX model. Unzip it and choose the .onnx file inside.`);
  }
  if ((head === 0xff && bytes[1] === 0xd8) || (head === 0x89 && bytes[1] === 0x50)) {
    throw new OnnxError(`'${fileName}' is an image, not an ONNX model. Drop images into the image area instead.`);
  }
  let model: ModelProto;
  try {
    model = fromBinary(ModelProtoSchema, bytes, { readUnknownFields: true });
  } catch (e) {
    throw new OnnxError(
      `'${fileName}' is not a readable ONNX model (${(e as Error).message}). The file may be truncated or of another format; export it again from your framework.`,
    );
  }
  const graph = model.graph;
  if (!graph || graph.node.length === 0) {
    throw new OnnxError(`'${fileName}' holds no graph with nodes, so it is not an ONNX model this tool can run.`);
  }
  if (model.opsetImport.length === 0) {
    throw new OnnxError(`'${fileName}' declares no operator set (opset_import is empty), so it is not a valid ONNX model.`);
  }
  return model;
}

export function serializeModel(model: ModelProto): Uint8Array {
  return toBinary(ModelProtoSchema, model, { writeUnknownFields: true });
}

/** The version of the default ('' or 'ai.onnx') operator set the model imports. */
export function defaultOpset(model: ModelProto): number {
  const entry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  return entry ? Number(entry.version) : 1;
}

// ***** attributes *****

export function getAttr(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}
export function attrInt(node: NodeProto, name: string, fallback: number): number {
  const a = getAttr(node, name);
  return a ? Number(a.i) : fallback;
}
export function attrFloat(node: NodeProto, name: string, fallback: number): number {
  const a = getAttr(node, name);
  return a ? a.f : fallback;
}
export function attrInts(node: NodeProto, name: string): number[] | undefined {
  const a = getAttr(node, name);
  return a ? a.ints.map(Number) : undefined;
}
export function attrString(node: NodeProto, name: string): string | undefined {
  const a = getAttr(node, name);
  return a ? new TextDecoder().decode(a.s) : undefined;
}

export function makeAttrInt(name: string, value: number): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AttrType.INT, i: BigInt(value) });
}
export function makeAttrInts(name: string, values: number[]): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AttrType.INTS, ints: values.map(BigInt) });
}
export function makeAttrFloat(name: string, value: number): AttributeProto {
  return create(AttributeProtoSchema, { name, type: AttrType.FLOAT, f: value });
}

export function makeNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  name: string,
  attributes: AttributeProto[] = [],
): NodeProto {
  return create(NodeProtoSchema, { opType, input: inputs, output: outputs, name, attribute: attributes });
}

/** The smallest runnable model, y = Identity(x) on a float [1]: to start a runtime before the first real model. */
export function identityModel(): ModelProto {
  const value = (name: string) => ({
    name,
    type: { value: { case: 'tensorType' as const, value: { elemType: DataType.FLOAT, shape: { dim: [{ value: { case: 'dimValue' as const, value: 1n } }] } } } },
  });
  return create(ModelProtoSchema, {
    irVersion: 8n,
    producerName: 'quantscope',
    opsetImport: [{ domain: '', version: 13n }],
    graph: { name: 'identity', node: [makeNode('Identity', ['x'], ['y'], 'identity')], input: [value('x')], output: [value('y')] },
  });
}

// ***** tensors *****

export type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array;

const BYTES_PER_ELEMENT: Partial<Record<DataType, number>> = {
  [DataType.FLOAT]: 4,
  [DataType.DOUBLE]: 8,
  [DataType.UINT8]: 1,
  [DataType.INT8]: 1,
  [DataType.UINT16]: 2,
  [DataType.INT16]: 2,
  [DataType.INT32]: 4,
  [DataType.UINT32]: 4,
  [DataType.INT64]: 8,
  [DataType.BOOL]: 1,
  [DataType.FLOAT16]: 2,
};

export function dataTypeName(dt: number): string {
  return DataType[dt] ?? `type ${dt}`;
}

export function tensorDims(t: TensorProto): number[] {
  return t.dims.map(Number);
}

export function numElements(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

function float16ToFloat32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Copy the raw little-endian bytes of a tensor into a fresh, aligned buffer. */
function rawCopy(t: TensorProto, bytesPer: number, count: number): ArrayBuffer {
  if (t.rawData.length !== bytesPer * count) {
    throw new OnnxError(
      `Tensor '${t.name}' should hold ${count} values (${bytesPer * count} bytes) but its raw data has ${t.rawData.length} bytes. The model file is damaged.`,
    );
  }
  const buf = new ArrayBuffer(t.rawData.length);
  new Uint8Array(buf).set(t.rawData);
  return buf;
}

/**
 * The values of a tensor as a typed array of its own dtype (float16 widened to float32, bool as uint8).
 * NOTE: assumes a little-endian host, as every browser and Node on x86/ARM is.
 */
export function tensorToArray(t: TensorProto): NumericArray {
  if (t.dataLocation === 1) {
    throw new OnnxError(
      `Tensor '${t.name}' keeps its data in an external file, which a browser cannot open next to the model. Save the model with all weights inside one .onnx file.`,
    );
  }
  const dims = tensorDims(t);
  const count = numElements(dims);
  const dt = t.dataType as DataType;
  const bytesPer = BYTES_PER_ELEMENT[dt];
  if (bytesPer === undefined) {
    throw new OnnxError(`Tensor '${t.name}' has data type ${dataTypeName(dt)}, which Quantscope does not read.`);
  }
  const hasRaw = t.rawData.length > 0 || count === 0;
  switch (dt) {
    case DataType.FLOAT:
      return hasRaw ? new Float32Array(rawCopy(t, 4, count)) : Float32Array.from(t.floatData);
    case DataType.DOUBLE:
      return hasRaw ? new Float64Array(rawCopy(t, 8, count)) : Float64Array.from(t.doubleData);
    case DataType.FLOAT16: {
      const h = hasRaw ? new Uint16Array(rawCopy(t, 2, count)) : Uint16Array.from(t.int32Data);
      const out = new Float32Array(h.length);
      for (let i = 0; i < h.length; i++) out[i] = float16ToFloat32(h[i]);
      return out;
    }
    case DataType.INT64:
      return hasRaw ? new BigInt64Array(rawCopy(t, 8, count)) : BigInt64Array.from(t.int64Data);
    case DataType.INT32:
      return hasRaw ? new Int32Array(rawCopy(t, 4, count)) : Int32Array.from(t.int32Data);
    case DataType.UINT32:
      return hasRaw ? new Uint32Array(rawCopy(t, 4, count)) : Uint32Array.from(t.uint64Data.map(Number));
    case DataType.INT8:
      return hasRaw ? new Int8Array(rawCopy(t, 1, count)) : Int8Array.from(t.int32Data);
    case DataType.UINT8:
    case DataType.BOOL:
      return hasRaw ? new Uint8Array(rawCopy(t, 1, count)) : Uint8Array.from(t.int32Data);
    case DataType.INT16:
      return hasRaw ? new Int16Array(rawCopy(t, 2, count)) : Int16Array.from(t.int32Data);
    case DataType.UINT16:
      return hasRaw ? new Uint16Array(rawCopy(t, 2, count)) : Uint16Array.from(t.int32Data);
    default:
      throw new OnnxError(`Tensor '${t.name}' has data type ${dataTypeName(dt)}, which Quantscope does not read.`);
  }
}

/** A tensor's values as float32, for weights and other float initializers. */
export function tensorToFloat32(t: TensorProto): Float32Array {
  const a = tensorToArray(t);
  if (a instanceof Float32Array) return a;
  if (a instanceof BigInt64Array) return Float32Array.from(a, (v) => Number(v));
  return Float32Array.from(a);
}

/** A tensor's values as plain numbers (for small shape/axes constants). */
export function tensorToNumbers(t: TensorProto): number[] {
  const a = tensorToArray(t);
  return a instanceof BigInt64Array ? Array.from(a, (v) => Number(v)) : Array.from(a);
}

const DTYPE_OF_ARRAY: [new (n: number) => NumericArray, DataType][] = [
  [Float32Array, DataType.FLOAT],
  [Float64Array, DataType.DOUBLE],
  [Int8Array, DataType.INT8],
  [Uint8Array, DataType.UINT8],
  [Int16Array, DataType.INT16],
  [Uint16Array, DataType.UINT16],
  [Int32Array, DataType.INT32],
  [Uint32Array, DataType.UINT32],
  [BigInt64Array, DataType.INT64],
];

/** Build an initializer tensor that stores `values` as raw little-endian data. */
export function makeTensor(name: string, dims: readonly number[], values: NumericArray): TensorProto {
  const entry = DTYPE_OF_ARRAY.find(([ctor]) => values instanceof ctor);
  if (!entry) throw new OnnxError(`Cannot store an array of type ${values.constructor.name} in a tensor.`);
  if (numElements(dims) !== values.length) {
    throw new OnnxError(`Tensor '${name}' has dims [${dims.join(', ')}] but ${values.length} values.`);
  }
  return create(TensorProtoSchema, {
    name,
    dims: dims.map((d) => BigInt(d)),
    dataType: entry[1],
    rawData: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)),
  });
}

// ***** value info *****

/** Static dims of a value (a dynamic dim is -1), or undefined when the value has no tensor type. */
export function valueDims(v: ValueInfoProto): number[] | undefined {
  const tt = v.type?.value.case === 'tensorType' ? v.type.value.value : undefined;
  if (!tt?.shape) return undefined;
  return tt.shape.dim.map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : -1));
}

export function valueElemType(v: ValueInfoProto): number | undefined {
  return v.type?.value.case === 'tensorType' ? v.type.value.value.elemType : undefined;
}

export function cloneModel(model: ModelProto): ModelProto {
  // toBinary/fromBinary is the fastest deep copy for large raw tensors and keeps unknown fields.
  return fromBinary(ModelProtoSchema, serializeModel(model), { readUnknownFields: true });
}
