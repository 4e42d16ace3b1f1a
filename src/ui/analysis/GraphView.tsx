import { useEffect, useMemo, useRef, useState } from 'react';

import type { GraphLayout } from '../../core';
import { selectLayer, setGraphMetric } from '../../store/analysis-actions';
import type { GraphMetric } from '../../store/slices/analysis-slice';
import { useAppShallow } from '../../store/store';
import { db, signedDb } from '../format';
import { gainColor, spreadColor, sqnrColor } from './graph-colors';

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const VIEW_H = 520;

/**
 * The part of the graph shown: the full width (at least 420 units, so a narrow chain is not blown up), from
 * the top, at the panel's aspect ratio.
 */
function initialView(g: GraphLayout, aspect: number): Box {
  const w = Math.max(g.width, 420);
  return { x: (g.width - w) / 2, y: 0, w, h: w * aspect };
}

/**
 * The network as a layered DAG (laid out in the worker), coloured by a metric; drag to pan, wheel to zoom,
 * click a node to select its layer everywhere.
 */
export function GraphView() {
  const { graph, report, variant, selected, metric, sensitivity, spreads } = useAppShallow((s) => ({
    graph: s.graph,
    report: s.report,
    variant: s.analysisVariant,
    selected: s.selectedLayer,
    metric: s.graphMetric,
    sensitivity: s.sensitivity[s.analysisVariant],
    spreads: s.weightSpreads,
  }));
  const svgRef = useRef<SVGSVGElement>(null);
  const [view, setView] = useState<Box | null>(null);
  const drag = useRef<{ x: number; y: number; box: Box } | null>(null);

  const rowsByNode = useMemo(() => new Map((report?.layers ?? []).map((l) => [l.node, l])), [report]);
  // Graph nodes whose output is a row's tensor through a fused activation belong to that row too.
  const rowOfNode = useMemo(() => {
    const m = new Map<string, string>();
    if (!graph) return m;
    const byTensor = new Map((report?.layers ?? []).map((l) => [l.tensor, l.node]));
    for (const n of graph.nodes) {
      if (rowsByNode.has(n.name)) m.set(n.name, n.name);
      else for (const o of n.outputs) if (byTensor.has(o)) m.set(n.name, byTensor.get(o)!);
    }
    return m;
  }, [graph, report, rowsByNode]);
  const gainOf = useMemo(() => {
    const m = new Map<string, number>();
    if (sensitivity) for (const l of sensitivity.layers) m.set(l.node, l.allBut.outputSqnrDb - sensitivity.all.outputSqnrDb);
    return m;
  }, [sensitivity]);

  const aspect = () => {
    const r = svgRef.current?.getBoundingClientRect();
    return r && r.width > 0 ? r.height / r.width : VIEW_H / 400;
  };
  // Adjust the view while rendering when the graph or the selection changes (React's pattern for state
  // derived from props): a new graph is fitted; a node selected elsewhere is brought into view.
  const [seen, setSeen] = useState<{ graph: GraphLayout | null; selected: string | null }>({ graph: null, selected: null });
  if (seen.graph !== graph || seen.selected !== selected) {
    setSeen({ graph, selected });
    let next = seen.graph !== graph || !view ? (graph ? initialView(graph, VIEW_H / 400) : null) : view;
    const n = graph?.nodes.find((x) => x.name === selected);
    if (n && next && !(n.x > next.x && n.x < next.x + next.w && n.y > next.y && n.y < next.y + next.h)) {
      next = { ...next, x: n.x - next.w / 2, y: Math.max(0, n.y - next.h / 2) };
    }
    setView(next);
  }

  // React's onWheel is passive: zoom needs a listener that may cancel the page scroll.
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = svg.getBoundingClientRect();
      setView((v) => {
        if (!v) return v;
        const k = Math.exp(e.deltaY * 0.0015);
        const px = v.x + ((e.clientX - r.left) / r.width) * v.w;
        const py = v.y + ((e.clientY - r.top) / r.height) * v.h;
        const w = Math.min(Math.max(v.w * k, 60), 20000);
        const h = (w / v.w) * v.h;
        return { x: px - ((px - v.x) * w) / v.w, y: py - ((py - v.y) * h) / v.h, w, h };
      });
    };
    svg.addEventListener('wheel', onWheel, { passive: false });
    return () => svg.removeEventListener('wheel', onWheel);
  }, [graph]);

  if (!graph) return <div className="graph-empty muted">Laying out the graph…</div>;
  const colour = (name: string) => {
    const row = rowOfNode.get(name);
    if (!row) return '#f1f5f9';
    if (metric === 'sqnr') return sqnrColor(rowsByNode.get(row)?.sqnrDb[variant]);
    if (metric === 'sensitivity') return gainColor(gainOf.get(row));
    return spreadColor(spreads[row]);
  };
  const tip = (name: string, op: string) => {
    const row = rowOfNode.get(name);
    const r = row ? rowsByNode.get(row) : undefined;
    const parts = [`${name} (${op})`];
    if (r) parts.push(`SQNR ${db(r.sqnrDb[variant])}`);
    if (row && gainOf.has(row)) parts.push(`kept in FP32: output ${signedDb(gainOf.get(row))}`);
    if (row && spreads[row]) parts.push(`channel range spread ${spreads[row].toPrecision(3)}×`);
    return parts.join(' · ');
  };
  const v = view ?? initialView(graph, VIEW_H / 400);
  const toGraph = (e: React.PointerEvent) => {
    const r = svgRef.current!.getBoundingClientRect();
    return { x: (e.clientX - r.left) / r.width, y: (e.clientY - r.top) / r.height };
  };

  return (
    <div className="graph-panel">
      <div className="graph-toolbar">
        <label className="field inline">
          <span>Colour by</span>
          <select value={metric} onChange={(e) => setGraphMetric(e.target.value as GraphMetric)} data-testid="graph-metric">
            <option value="sqnr">SQNR of the layer</option>
            <option value="sensitivity" disabled={!sensitivity}>
              sensitivity{sensitivity ? '' : ' (measure it first)'}
            </option>
            <option value="spread">weight range spread</option>
          </select>
        </label>
        <button type="button" className="secondary small" onClick={() => setView(initialView(graph, aspect()))}>
          Fit width
        </button>
        <span className="muted small">
          {graph.nodes.length} nodes{graph.hidden ? ` (${graph.hidden} shape ops hidden)` : ''} · drag to pan, wheel to zoom
        </span>
      </div>
      <svg
        ref={svgRef}
        className="graph"
        data-testid="graph"
        viewBox={`${v.x} ${v.y} ${v.w} ${v.h}`}
        style={{ height: VIEW_H }}
        onPointerDown={(e) => {
          if ((e.target as Element).closest('.gnode')) return;
          const p = toGraph(e);
          drag.current = { x: p.x, y: p.y, box: v };
          (e.currentTarget as Element).setPointerCapture(e.pointerId);
        }}
        onPointerMove={(e) => {
          const d = drag.current;
          if (!d) return;
          const p = toGraph(e);
          setView({ ...d.box, x: d.box.x - (p.x - d.x) * d.box.w, y: d.box.y - (p.y - d.y) * d.box.h });
        }}
        onPointerUp={() => (drag.current = null)}
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#94a3b8" />
          </marker>
        </defs>
        {graph.edges.map((e, i) => (
          <polyline key={i} points={e.points.map((p) => `${p.x},${p.y}`).join(' ')} className="gedge" markerEnd="url(#arrow)" />
        ))}
        {graph.nodes.map((n) => {
          const row = rowOfNode.get(n.name);
          const isSel = row !== undefined && row === selected;
          return (
            <g
              key={n.name}
              className={`gnode${isSel ? ' selected' : ''}${row ? ' has-row' : ''}`}
              transform={`translate(${n.x - n.width / 2},${n.y - n.height / 2})`}
              data-node={n.name}
              data-op={n.op}
              role={row ? 'button' : undefined}
              tabIndex={row ? 0 : undefined}
              onClick={() => row && void selectLayer(row)}
              onKeyDown={(e) => {
                if (row && (e.key === 'Enter' || e.key === ' ')) void selectLayer(row);
              }}
            >
              <title>{tip(n.name, n.op)}</title>
              <rect width={n.width} height={n.height} rx={6} fill={colour(n.name)} />
              <text x={n.width / 2} y={n.height / 2 + 4} textAnchor="middle">
                {n.op}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
