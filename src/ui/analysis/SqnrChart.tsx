import { useMemo } from 'react';

import { selectLayer } from '../../store/analysis-actions';
import { useApp, useAppShallow } from '../../store/store';
import { Plot } from './Plot';
import { sqnrFigure } from './plots';

/** Per-layer SQNR of every variant, in graph order, with the isolated error once sensitivity is measured. */
export function SqnrChart() {
  const { report, selected } = useAppShallow((s) => ({ report: s.report, selected: s.selectedLayer }));
  const sensitivity = useApp((s) => s.sensitivity[s.analysisVariant]);
  const figure = useMemo(
    () => (report ? sqnrFigure(report, report.variants.map((v) => v.id), selected, sensitivity) : null),
    [report, selected, sensitivity],
  );
  if (!figure) return null;
  return <Plot figure={figure} onPick={(node) => void selectLayer(node)} testId="sqnr-chart" />;
}
