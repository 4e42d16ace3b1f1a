import type { GraphProto } from '../model';

/**
 * Gives every unnamed node a name (`<op>_<index>`), and renames repeated names (`<name>_<k>`): per-layer
 * choices, selections and reports refer to nodes by name, so names must exist and be unique.
 */
export function nameNodes(graph: GraphProto): number {
  const taken = new Set(graph.node.map((n) => n.name).filter(Boolean));
  const seen = new Set<string>();
  let renamed = 0;
  for (const [i, n] of graph.node.entries()) {
    if (n.name && !seen.has(n.name)) {
      seen.add(n.name);
      continue;
    }
    const base = n.name || `${n.opType}_${i}`;
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    n.name = name;
    taken.add(name);
    seen.add(name);
    renamed++;
  }
  return renamed;
}
