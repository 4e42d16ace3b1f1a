import { OnnxError } from './errors';
import type { GraphProto, NodeProto, TensorProto } from './model';

/**
 * Producer/consumer maps of a graph, built once and read-only. Rewrites build a new index after
 * changing the graph rather than mutating this one.
 */
export class GraphIndex {
  readonly producer = new Map<string, NodeProto>();
  readonly consumers = new Map<string, NodeProto[]>();
  readonly initializers = new Map<string, TensorProto>();
  readonly graphInputs = new Set<string>();
  readonly graphOutputs = new Set<string>();

  constructor(readonly graph: GraphProto) {
    for (const t of graph.initializer) this.initializers.set(t.name, t);
    for (const v of graph.input) if (!this.initializers.has(v.name)) this.graphInputs.add(v.name);
    for (const v of graph.output) this.graphOutputs.add(v.name);
    for (const n of graph.node) {
      for (const o of n.output) if (o) this.producer.set(o, n);
      for (const i of n.input) {
        if (!i) continue;
        const list = this.consumers.get(i);
        if (list) list.push(n);
        else this.consumers.set(i, [n]);
      }
    }
  }

  consumersOf(name: string): NodeProto[] {
    return this.consumers.get(name) ?? [];
  }

  isInitializer(name: string): boolean {
    return this.initializers.has(name);
  }
}

/** Nodes in an order where every node comes after the producers of its inputs (Kahn's algorithm, stable). */
export function topologicalSort(graph: GraphProto): NodeProto[] {
  const producerIndex = new Map<string, number>();
  graph.node.forEach((n, i) => n.output.forEach((o) => o && producerIndex.set(o, i)));
  const indegree = new Array<number>(graph.node.length).fill(0);
  const dependents: number[][] = graph.node.map(() => []);
  graph.node.forEach((n, i) => {
    const deps = new Set<number>();
    for (const inp of n.input) {
      const p = inp ? producerIndex.get(inp) : undefined;
      if (p !== undefined && p !== i) deps.add(p);
    }
    indegree[i] = deps.size;
    for (const p of deps) dependents[p].push(i);
  });
  const ready: number[] = [];
  indegree.forEach((d, i) => d === 0 && ready.push(i));
  const order: NodeProto[] = [];
  // Keep the original order among ready nodes: a min-heap is overkill for graphs of a few thousand nodes.
  while (ready.length) {
    ready.sort((a, b) => a - b);
    const i = ready.shift()!;
    order.push(graph.node[i]);
    for (const j of dependents[i]) if (--indegree[j] === 0) ready.push(j);
  }
  if (order.length !== graph.node.length) {
    const stuck = graph.node.filter((_, i) => indegree[i] > 0).map((n) => n.name || n.opType);
    throw new OnnxError(
      `The graph has a cycle through ${stuck.length} nodes (e.g. '${stuck[0]}'), so it cannot be run. Export the model again.`,
    );
  }
  return order;
}
