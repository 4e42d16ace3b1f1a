import dagre from '@dagrejs/dagre';

import { GraphIndex } from '../onnx/graph-index';
import type { ModelProto } from '../onnx/model';

export interface GraphNodeBox {
  /** node name (unique after normalisation) */
  name: string;
  op: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** the activation tensors the node writes */
  outputs: string[];
}

export interface GraphEdgeLine {
  from: string;
  to: string;
  tensor: string;
  points: { x: number; y: number }[];
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: GraphNodeBox[];
  edges: GraphEdgeLine[];
  /** shape-only nodes (Shape, Gather of shapes...) left out of the picture */
  hidden: number;
}

const NODE_H = 30;
/** Ops that only compute shapes: drawn, they double a small graph's size for nothing. */
const SHAPE_OPS = new Set(['Shape', 'Gather', 'Unsqueeze', 'Concat', 'Cast', 'Slice', 'Squeeze', 'ConstantOfShape', 'Range', 'Size']);

/**
 * Lays the model's nodes out top to bottom as a layered DAG (dagre: Sugiyama-style ranking, crossing
 * reduction, coordinate assignment). Nodes that only feed shape arithmetic are hidden when `nonFloat` says
 * their outputs are integer tensors.
 */
export function layoutGraph(model: ModelProto, nonFloat: ReadonlySet<string> = new Set()): GraphLayout {
  const graph = model.graph!;
  const index = new GraphIndex(graph);
  const hiddenNodes = new Set(graph.node.filter((n) => SHAPE_OPS.has(n.opType) && n.output.every((o) => nonFloat.has(o))).map((n) => n.name));
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 18, ranksep: 26, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  const shown = graph.node.filter((n) => !hiddenNodes.has(n.name));
  for (const n of shown) {
    // Width from the op name: the label is the op; the node name shows on hover and in the details.
    g.setNode(n.name, { width: Math.max(64, 9 * n.opType.length + 20), height: NODE_H });
  }
  const edges: { from: string; to: string; tensor: string }[] = [];
  for (const n of shown) {
    for (const input of n.input) {
      const p = input ? index.producer.get(input) : undefined;
      if (!p || hiddenNodes.has(p.name)) continue;
      edges.push({ from: p.name, to: n.name, tensor: input });
      g.setEdge(p.name, n.name, {}, `${input}→${n.name}`);
    }
  }
  dagre.layout(g);
  const nodes = shown.map((n) => {
    const b = g.node(n.name);
    return { name: n.name, op: n.opType, x: b.x, y: b.y, width: b.width, height: b.height, outputs: [...n.output] };
  });
  const label = g.graph();
  return {
    width: label.width ?? 0,
    height: label.height ?? 0,
    nodes,
    edges: edges.map((e) => ({ ...e, points: (g.edge(e.from, e.to, `${e.tensor}→${e.to}`)?.points ?? []).map((p: { x: number; y: number }) => ({ x: p.x, y: p.y })) })),
    hidden: hiddenNodes.size,
  };
}
