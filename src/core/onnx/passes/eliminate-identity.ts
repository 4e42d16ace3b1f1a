import type { GraphProto } from '../model';

const PASS_THROUGH = new Set(['Identity', 'Dropout']);

/**
 * Removes Identity and (inference-time) Dropout nodes. When the removed node fed a graph output, the
 * producer of its input is renamed to keep the graph output's name, as onnxruntime's pre-processing does.
 */
export function eliminateIdentity(graph: GraphProto): number {
  const outputs = new Set(graph.output.map((o) => o.name));
  const inputs = new Set(graph.input.map((i) => i.name));
  const inits = new Set(graph.initializer.map((t) => t.name));
  let count = 0;
  for (const node of [...graph.node]) {
    if (!PASS_THROUGH.has(node.opType) || node.domain) continue;
    // Dropout's optional mask output must be unused.
    if (node.output.slice(1).some((o) => o && graph.node.some((n) => n.input.includes(o)))) continue;
    const src = node.input[0];
    const dst = node.output[0];
    if (outputs.has(dst)) {
      // Rename src -> dst everywhere, unless src is itself an interface name we must keep.
      if (outputs.has(src) || inputs.has(src) || inits.has(src)) continue;
      graph.node = graph.node.filter((n) => n !== node);
      for (const n of graph.node) {
        n.output = n.output.map((o) => (o === src ? dst : o));
        n.input = n.input.map((i) => (i === src ? dst : i));
      }
    } else {
      graph.node = graph.node.filter((n) => n !== node);
      for (const n of graph.node) n.input = n.input.map((i) => (i === dst ? src : i));
    }
    count++;
  }
  return count;
}
