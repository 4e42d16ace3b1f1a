import { OnnxError } from './errors';
import { topologicalSort } from './graph-index';
import { DataType, defaultOpset, valueDims, valueElemType } from './model';
import type { ModelProto } from './model';
import { constantsToInitializers } from './passes/constants-to-initializers';
import { eliminateIdentity } from './passes/eliminate-identity';
import { foldBatchNorm } from './passes/fold-batch-norm';
import { nameNodes } from './passes/name-nodes';
import type { FoldedBatchNorm } from './passes/fold-batch-norm';
import { upgradeOpset } from './passes/upgrade-opset';

export interface NormalizeReport {
  constantsToInitializers: number;
  opset: { from: number; to: number; rewritten: number };
  identitiesRemoved: number;
  batchNormsFolded: FoldedBatchNorm[];
  /** nodes that had no name, or a repeated one, and were given one */
  nodesNamed: number;
}

/**
 * The passes every real model needs before it is calibrated and quantized, in order. Mutates `model`
 * (callers pass a fresh parse) and returns what was done, for the user to see.
 */
export function normalizeModel(model: ModelProto): NormalizeReport {
  const graph = model.graph;
  if (!graph) throw new OnnxError('The model has no graph.');
  const report: NormalizeReport = {
    constantsToInitializers: constantsToInitializers(graph),
    opset: upgradeOpset(model),
    identitiesRemoved: eliminateIdentity(graph),
    batchNormsFolded: foldBatchNorm(graph),
    nodesNamed: nameNodes(graph),
  };
  // Shapes recorded by the exporter may name tensors that no longer exist; the runtime infers them again.
  graph.valueInfo = [];
  graph.node = topologicalSort(graph);
  return report;
}

export interface ModelInput {
  name: string;
  /** dims with -1 for a dynamic dim */
  dims: number[];
  elemType: number;
}

export interface ModelSummary {
  opset: number;
  producer: string;
  inputs: ModelInput[];
  outputs: ModelInput[];
  nodeCount: number;
  opCounts: Record<string, number>;
  parameterCount: number;
}

export function summarizeModel(model: ModelProto): ModelSummary {
  const graph = model.graph!;
  const inits = new Set(graph.initializer.map((t) => t.name));
  const io = (list: typeof graph.input) =>
    list
      .filter((v) => !inits.has(v.name))
      .map((v) => ({ name: v.name, dims: valueDims(v) ?? [], elemType: valueElemType(v) ?? 0 }));
  const opCounts: Record<string, number> = {};
  for (const n of graph.node) opCounts[n.opType] = (opCounts[n.opType] ?? 0) + 1;
  let parameterCount = 0;
  for (const t of graph.initializer) {
    if (t.dataType === DataType.FLOAT) parameterCount += t.dims.reduce((a, d) => a * Number(d), 1);
  }
  return {
    opset: defaultOpset(model),
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    inputs: io(graph.input),
    outputs: io(graph.output),
    nodeCount: graph.node.length,
    opCounts,
    parameterCount,
  };
}
