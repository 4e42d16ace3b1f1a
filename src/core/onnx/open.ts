import { imagenetLabelSpace } from '../data/labels';
import { inputGeometry } from '../data/preprocess';
import type { ModelInfo } from '../protocol';
import { OnnxError } from './errors';
import { parseModel } from './model';
import type { ModelProto, NodeProto } from './model';
import { normalizeModel, summarizeModel } from './normalize';

/** The largest image side accepted from a model's declared input (bigger is a corrupt or non-image model). */
export const MAX_INPUT_SIDE = 8192;

/** Preprocessing preset most likely right for a model, from its output classes and input height. */
export function suggestPreset(outputClasses: number, h: number | null): string {
  if (outputClasses === 2 && h === null) return 'ppocr-cls';
  if (h === 227) return 'caffe';
  if (outputClasses === 1001) return 'tf-inception';
  return 'torchvision';
}

/**
 * Checks a parsed graph can be run at all: every node input comes from somewhere (a node, an initializer or a
 * graph input) and the nodes have no cycle. Throws a sentence naming what is wrong.
 */
export function checkGraph(model: ModelProto, fileName: string): void {
  const g = model.graph!;
  const available = new Set<string>(['', ...g.initializer.map((t) => t.name), ...g.input.map((v) => v.name)]);
  const producers = new Map<string, number>();
  g.node.forEach((n, i) => n.output.forEach((o) => producers.set(o, i)));
  for (const n of g.node) {
    for (const x of n.input) {
      if (!available.has(x) && !producers.has(x)) {
        throw new OnnxError(`In '${fileName}', node '${n.name || n.opType}' reads '${x}', which no node, initializer or input provides (a missing initializer?). Export the model again.`);
      }
    }
  }
  // Kahn's algorithm: a node is ready once every input it reads from another node is produced.
  const fromNodes = (n: NodeProto) => n.input.filter((x) => !available.has(x) && producers.has(x));
  const waiting = g.node.map((n) => new Set(fromNodes(n)));
  const readers = new Map<string, number[]>();
  g.node.forEach((n, i) => {
    for (const x of fromNodes(n)) {
      const list = readers.get(x);
      if (list) list.push(i);
      else readers.set(x, [i]);
    }
  });
  const ready = waiting.flatMap((w, i) => (w.size === 0 ? [i] : []));
  let done = 0;
  while (ready.length) {
    const i = ready.pop()!;
    done++;
    for (const o of g.node[i].output) {
      for (const r of readers.get(o) ?? []) {
        const w = waiting[r];
        if (w.delete(o) && w.size === 0) ready.push(r);
      }
    }
  }
  if (done < g.node.length) {
    const stuck = g.node.find((_, i) => waiting[i].size > 0)!;
    throw new OnnxError(`'${fileName}' has a cycle in its graph (node '${stuck.name || stuck.opType}' depends on its own output), so it cannot be run. Export the model again.`);
  }
}

/**
 * A model file made ready for the workbench: parsed, checked, normalised, and described (input geometry,
 * classes, a preset guess). Every problem is an OnnxError whose message says what was wrong and what to do.
 */
export function openModel(bytes: Uint8Array, fileName: string): { model: ModelProto; info: ModelInfo } {
  const model = parseModel(bytes, fileName);
  checkGraph(model, fileName);
  // Ops of other domains than ONNX's and ONNX Runtime's own exist in no browser runtime: say so now, not at the run.
  const foreign = model.graph!.node.find((n) => n.domain && n.domain !== 'ai.onnx' && n.domain !== 'com.microsoft');
  if (foreign) {
    throw new OnnxError(`'${fileName}' uses the op '${foreign.opType}' of the domain '${foreign.domain}' (node '${foreign.name || foreign.opType}'), which onnxruntime-web does not provide. Export the model with standard ONNX ops (opset 13–21).`);
  }
  let normalization;
  let summary;
  try {
    normalization = normalizeModel(model);
    summary = summarizeModel(model);
  } catch (e) {
    if (e instanceof OnnxError) throw e.message.includes(fileName) ? e : new OnnxError(`'${fileName}': ${e.message}`);
    throw new OnnxError(`'${fileName}' could not be prepared for quantization (${e instanceof Error ? e.message : String(e)}). The file may be damaged; export it again.`);
  }
  const input = summary.inputs[0];
  if (!input) throw new OnnxError(`'${fileName}' has no graph input, so there is nothing to feed images to.`);
  if (summary.inputs.length > 1) {
    throw new OnnxError(`'${fileName}' has ${summary.inputs.length} inputs (${summary.inputs.map((i) => i.name).join(', ')}); Quantscope works with single-image models.`);
  }
  const geometry = inputGeometry(input.dims);
  const dimsText = `[${input.dims.map((d) => (d < 0 ? '?' : d)).join(', ')}]`;
  if (!geometry) throw new OnnxError(`Input '${input.name}' of '${fileName}' has dims ${dimsText}, which is not an image tensor (N×3×H×W or N×H×W×3).`);
  if ((geometry.height ?? 0) > MAX_INPUT_SIDE || (geometry.width ?? 0) > MAX_INPUT_SIDE) {
    throw new OnnxError(`Input '${input.name}' of '${fileName}' declares dims ${dimsText}: images larger than ${MAX_INPUT_SIDE} pixels a side are not supported (is the file damaged?).`);
  }
  const outDims = summary.outputs[0]?.dims ?? [];
  const outputClasses = outDims[outDims.length - 1] ?? 0;
  const info: ModelInfo = {
    fileName,
    sizeBytes: bytes.byteLength,
    summary,
    normalization,
    inputName: input.name,
    inputDims: input.dims,
    layout: geometry.layout,
    inputHeight: geometry.height,
    inputWidth: geometry.width,
    outputClasses,
    labelSpace: imagenetLabelSpace(outputClasses),
    suggestedPreset: suggestPreset(outputClasses, geometry.height),
  };
  return { model, info };
}
