import { setAnalysisTab, setAnalysisVariant } from '../../store/analysis-actions';
import type { AnalysisTab } from '../../store/slices/analysis-slice';
import { useAppShallow } from '../../store/store';
import { DatasetView } from '../dataset/DatasetView';
import { CurvePanel } from './CurvePanel';
import { GraphView } from './GraphView';
import { ImagesPanel } from './ImagesPanel';
import { LayerDetails } from './LayerDetails';
import { SensitivityPanel } from './SensitivityPanel';
import { SqnrChart } from './SqnrChart';
import { TradeoffPanel } from './TradeoffPanel';

const TABS: { id: AnalysisTab; label: string }[] = [
  { id: 'layers', label: 'Layers' },
  { id: 'sensitivity', label: 'Sensitivity' },
  { id: 'images', label: 'Images' },
  { id: 'dataset', label: 'Dataset' },
  { id: 'calibration', label: 'Calibration size' },
  { id: 'bits', label: 'Bits × granularity' },
];

/** Where the error is and why: graph, per-layer charts, sensitivity, single images; one shared selection. */
export function Analysis() {
  const { tab, variant, variants } = useAppShallow((s) => ({
    tab: s.analysisTab,
    variant: s.analysisVariant,
    variants: s.report?.variants ?? [],
  }));
  return (
    <section className="analysis" aria-label="Analysis" data-testid="analysis">
      <div className="analysis-head">
        <h2>Where the error comes from</h2>
        <label className="field inline">
          <span>Analyse</span>
          <select value={variant} onChange={(e) => void setAnalysisVariant(e.target.value)} data-testid="analysis-variant">
            {variants.map((v) => (
              <option key={v.id} value={v.id}>
                {v.label ?? v.id}
              </option>
            ))}
          </select>
        </label>
        <div className="tabs" role="tablist">
          {TABS.map((t) => (
            <button key={t.id} type="button" role="tab" aria-selected={tab === t.id} className={tab === t.id ? 'tab active' : 'tab'} onClick={() => setAnalysisTab(t.id)} data-testid={`tab-${t.id}`}>
              {t.label}
            </button>
          ))}
        </div>
      </div>
      {tab === 'layers' && (
        <>
          <div className="layers-grid">
            <GraphView />
            <LayerDetails />
          </div>
          <SqnrChart />
        </>
      )}
      {tab === 'sensitivity' && <SensitivityPanel />}
      {tab === 'images' && <ImagesPanel />}
      {tab === 'dataset' && <DatasetView />}
      {tab === 'calibration' && <CurvePanel />}
      {tab === 'bits' && <TradeoffPanel />}
    </section>
  );
}
