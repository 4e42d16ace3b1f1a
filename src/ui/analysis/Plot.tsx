import { useEffect, useRef } from 'react';

import type Plotly from 'plotly.js-basic-dist-min';

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
 * Loads Plotly and draws one hidden chart while the page is idle. Evaluating its module (~150–250 ms here) and
 * its first draw (~80 ms of one-time set-up, whatever the chart) are main-thread tasks of their own; done
 * lazily they landed when the first results appeared, freezing the page as the user looked at them.
 */
export function preloadPlotly(): void {
  const whenIdle = (work: () => void) => (typeof requestIdleCallback === 'function' ? requestIdleCallback(work, { timeout: 5000 }) : setTimeout(work, 2000));
  whenIdle(() => {
    void loadPlotly()
      .then((P) =>
        inOwnTask(async () => {
          const div = document.createElement('div');
          div.setAttribute('aria-hidden', 'true');
          div.style.cssText = 'position:fixed;left:-10000px;top:0;width:320px;height:200px;visibility:hidden';
          document.body.appendChild(div);
          try {
            await P.react(div, [{ type: 'bar', x: [0], y: [1] }], { autosize: true }, { displayModeBar: false });
          } finally {
            P.purge(div);
            div.remove();
          }
        }),
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
      await P.react(div, figure.data as never, { autosize: true, ...figure.layout } as never, {
        displaylogo: false,
        responsive: true,
        modeBarButtonsToRemove: ['lasso2d', 'select2d'],
      });
      if (first && div.on) {
        div.on('plotly_click', (e) => {
          const key = e.points[0]?.customdata;
          if (typeof key === 'string') pick.current?.(key);
        });
      }
      div.dataset.rendered = 'true';
    }));
    return () => {
      live = false;
    };
  }, [figure]);
  useEffect(() => {
    const div = ref.current;
    return () => {
      if (div) void loadPlotly().then((P) => P.purge(div));
    };
  }, []);
  return <div ref={ref} className="plot" data-testid={testId} />;
}
