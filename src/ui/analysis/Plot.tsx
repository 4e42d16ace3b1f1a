import { useEffect, useRef } from 'react';

import type Plotly from 'plotly.js-basic-dist-min';

import { COLORS, histogramBars } from './plots';
import type { Figure } from './plots';

type PlotlyModule = typeof Plotly;
interface PlotDiv extends HTMLDivElement {
  on?(event: 'plotly_click', cb: (e: { points: { customdata?: unknown; x?: unknown }[] }) => void): void;
}

let plotly: Promise<PlotlyModule> | null = null;

/**
 * Charts draw one per task: several charts updating together (a new layer selected) would otherwise run as
 * one long main-thread task.
 */
let queue: Promise<void> = Promise.resolve();
function inOwnTask<T>(work: () => Promise<T> | T): Promise<T> {
  const next = queue.then(() => new Promise<void>((r) => setTimeout(r, 0))).then(work);
  queue = next.then(
    () => undefined,
    () => undefined,
  );
  return next;
}

/** Plotly (about 1 MB) loads on the first chart, not with the page. */
export function loadPlotly(): Promise<PlotlyModule> {
  plotly ??= import('plotly.js-basic-dist-min').then(
    (m) => m.default,
    (e: unknown) => {
      plotly = null; // tried again by the next chart
      throw e;
    },
  );
  return plotly;
}

/**
 * Draws (or redraws) a figure: every chart, and the warm-up's hidden ones, the same way. The chart tools (shown
 * while the pointer is over a chart) stand down the right edge, where the builders leave a margin for them:
 * along the top they covered the titles, which name the layer or tensor shown.
 */
function draw(P: PlotlyModule, div: HTMLElement, figure: { data: unknown[]; layout: object }): Promise<unknown> {
  // Tick labels sit outside the plot, inside the chart: Plotly's check that none passes the chart's edge
  // measures every label's box (19 of the 195 ms of long tasks in a profile of the first charts, main thread
  // slowed 3×).
  const layout: Record<string, unknown> = { autosize: true, ...figure.layout };
  for (const k of new Set(['xaxis', 'yaxis', ...Object.keys(layout).filter((k) => /^[xy]axis\d+$/.test(k))])) layout[k] = { ticklabeloverflow: 'allow', ...(layout[k] as object) };
  return P.react(div, figure.data as never, { ...layout, modebar: { orientation: 'v', bgcolor: 'rgba(255, 255, 255, 0.85)' } } as never, {
    displaylogo: false,
    responsive: true,
    modeBarButtonsToRemove: ['lasso2d', 'select2d'],
  });
}

/**
 * Hidden charts drawn while the page is idle, each in a task of its own: the kinds the results show (a step
 * histogram with range lines and a legend on a log axis, grouped bars, markers on a second log axis), so V8 has
 * compiled Plotly's code for them before the first real chart. Drawn cold, the first per-layer chart took
 * 110–130 ms (MobileNet, 500 images); once warm the same charts take 30–60 ms.
 */
const WARM_UP: { data: unknown[]; layout: Record<string, unknown> }[] = (() => {
  const xs = Array.from({ length: 160 }, (_, i) => i / 16);
  const ys = xs.map((x) => Math.round(1000 * Math.exp(-x)));
  const legend = { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom' };
  return [
    {
      data: [
        histogramBars({ lo: 0, width: 1 / 16, counts: ys }, 'values', COLORS.bars),
        { type: 'scatter', mode: 'lines', name: 'range', x: [6, 6], y: [0, 1000], line: { dash: 'dot' } },
      ],
      layout: { title: { text: 'warm-up' }, legend, bargap: 0, shapes: [{ type: 'line', x0: 1, x1: 1, y0: 0, y1: 1000, line: { dash: 'dash' } }], xaxis: { title: { text: 'x' } }, yaxis: { title: { text: 'count' }, type: 'log' } },
    },
    {
      data: [0, 1, 2].map((k) => ({ type: 'bar', name: `v${k}`, x: xs.slice(0, 40), y: ys.slice(0, 40), text: xs.slice(0, 40).map(String), textposition: 'none', customdata: xs.slice(0, 40).map(String) })),
      layout: { title: { text: 'warm-up' }, legend, barmode: 'group', xaxis: { title: { text: 'layer' } } },
    },
    {
      data: [
        { type: 'bar', name: 'ranges', x: xs.slice(0, 64), base: ys.slice(0, 64).map((y) => -y), y: ys.slice(0, 64) },
        { type: 'scatter', mode: 'markers', name: 'levels', x: xs.slice(0, 64), y: ys.slice(0, 64), yaxis: 'y2', marker: { symbol: 'line-ns-open', size: 5 } },
      ],
      layout: { title: { text: 'warm-up' }, legend, yaxis2: { overlaying: 'y', side: 'right', type: 'log' } },
    },
  ];
})();

export function preloadPlotly(): void {
  const whenIdle = (work: () => void) => (typeof requestIdleCallback === 'function' ? requestIdleCallback(work, { timeout: 5000 }) : setTimeout(work, 2000));
  whenIdle(() => {
    void loadPlotly()
      .then((P) =>
        Promise.all(
          WARM_UP.map((figure) =>
            inOwnTask(async () => {
              const div = document.createElement('div');
              div.setAttribute('aria-hidden', 'true');
              div.style.cssText = 'position:fixed;left:-10000px;top:0;width:700px;height:340px;visibility:hidden';
              document.body.appendChild(div);
              try {
                await draw(P, div, { data: figure.data, layout: { height: 340, ...figure.layout } });
              } finally {
                P.purge(div);
                div.remove();
              }
            }),
          ),
        ),
      )
      .catch(() => {}); // a chart that needs Plotly reports the failure when it loads it again
  });
}

/**
 * One Plotly chart. `figure` is plain data from a pure builder; clicking a point calls `onPick` with the
 * point's customdata (a node name in the layer charts).
 */
export function Plot({ figure, onPick, testId }: { figure: Figure; onPick?: (key: string) => void; testId?: string }) {
  const ref = useRef<PlotDiv>(null);
  const pick = useRef(onPick);
  useEffect(() => {
    pick.current = onPick;
  }, [onPick]);
  useEffect(() => {
    let live = true;
    const div = ref.current;
    void loadPlotly().then((P) => inOwnTask(async () => {
      if (!live || !div) return;
      const first = !div.classList.contains('js-plotly-plot');
      const start = performance.now();
      await draw(P, div, figure);
      if (first && div.on) {
        div.on('plotly_click', (e) => {
          const key = e.points[0]?.customdata;
          if (typeof key === 'string') pick.current?.(key);
        });
      }
      div.dataset.rendered = 'true';
      // each draw in the browser's performance timeline (DevTools, the bench): which chart costs what
      performance.measure(`chart ${testId ?? 'plot'}`, { start });
    }));
    return () => {
      live = false;
    };
  }, [figure, testId]);
  useEffect(() => {
    const div = ref.current;
    return () => {
      if (div) void loadPlotly().then((P) => P.purge(div));
    };
  }, []);
  return <div ref={ref} className="plot" data-testid={testId} />;
}
