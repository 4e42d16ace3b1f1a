import { Suspense, lazy, useEffect, useState } from 'react';

import { onEngineDeath } from '../bridge/engine';
import { addDropped, loadDemo, recoverFromEngineDeath, restoreWorkspace, watchAnalyses, watchSettings } from '../store/actions';
import { toggleLearn } from '../store/learn-actions';
import { appStore, useApp, useAppShallow } from '../store/store';
import { preloadPlotly } from '../ui/analysis/Plot';
import { Results } from '../ui/results/Results';
import { DatasetView } from '../ui/dataset/DatasetView';
import { ImagesCard } from '../ui/setup/ImagesCard';
import { ModelCard } from '../ui/setup/ModelCard';
import { PreprocessCard } from '../ui/setup/PreprocessCard';
import { droppedFiles } from '../ui/drop';
import { RunCard } from '../ui/setup/RunCard';

let started = false;

// The lessons (and KaTeX with its fonts) load when first opened.
const LearnPanel = lazy(() => import('../ui/learn/LearnPanel'));

export function App() {
  const hasReport = useApp((s) => s.report !== null);
  const hasImages = useApp((s) => s.images.length > 0);
  const demo = useApp((s) => s.imagesAreDemo);
  const learning = useApp((s) => s.learnOpen);
  const [dragging, setDragging] = useState(false);
  const notices = useAppShallow((s) => ({ restoring: s.restoring, persistError: s.persistError, engineNotice: s.engineNotice }));
  useEffect(() => {
    // The workspace this browser kept comes back; on a first start the built-in demo is ready without a
    // download. ?demo=0 starts empty.
    const params = new URLSearchParams(location.search);
    const stop = watchSettings();
    const stopAnalyses = watchAnalyses();
    const unwatch = onEngineDeath(recoverFromEngineDeath);
    if (!started) {
      // Once per page, even where StrictMode mounts twice.
      started = true;
      preloadPlotly();
      void restoreWorkspace().then((restored) => {
        if (!restored && params.get('demo') !== '0' && appStore.getState().model === null) void loadDemo({ auto: true });
      });
    }
    return () => {
      stop();
      stopAnalyses();
      unwatch();
    };
  }, []);
  return (
    <div
      className={`app${dragging ? ' dragging' : ''}`}
      data-testid="app"
      onDragOver={(e) => {
        if (![...e.dataTransfer.types].includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        void droppedFiles(e.dataTransfer).then(addDropped);
      }}
    >
      {dragging && <div className="drop-overlay">Drop an .onnx model, images, or a folder of images</div>}
      <header className="top">
        <h1>
          Quantscope <span className="tagline">see, understand and fix the quantization error of your CNN — in the browser, nothing leaves this machine</span>
        </h1>
        <button type="button" className={learning ? 'primary' : 'secondary'} aria-pressed={learning} onClick={() => toggleLearn()} data-testid="learn-toggle">
          {learning ? 'Close the lessons' : 'Learn quantization'}
        </button>
      </header>
      {(notices.restoring || notices.persistError || notices.engineNotice) && (
        <div className="notices" role="status" data-testid="notices">
          {notices.restoring && <p data-testid="restoring">{notices.restoring}</p>}
          {notices.engineNotice && (
            <p className="warn" data-testid="engine-notice">
              {notices.engineNotice}{' '}
              <button type="button" className="link small" onClick={() => appStore.setState({ engineNotice: null })}>
                Dismiss
              </button>
            </p>
          )}
          {notices.persistError && <p className="error">{notices.persistError}</p>}
        </div>
      )}
      <main className={learning ? 'layout learning' : 'layout'}>
        <aside className="setup" hidden={learning}>
          <ModelCard />
          <ImagesCard />
          <PreprocessCard />
          <RunCard />
        </aside>
        <section className="results" aria-label="Results">
          {hasReport ? (
            <Results />
          ) : (
            <div className="empty">
              <h2>Results appear here</h2>
              <p>
                Quantscope calibrates your model on some images, builds int8 QDQ models the way ONNX Runtime&apos;s quantize_static does (per-tensor and per-channel weights), runs them with onnxruntime-web
                and shows what quantization cost: accuracy, agreement with FP32, size, and the error of every layer.
              </p>
              {demo ? (
                <p>The demo (PP-OCR&apos;s text-direction classifier on text lines drawn in the page) is loaded: press “Quantize and evaluate”.</p>
              ) : (
                <p>Load a model and add images (a folder, a .zip, or several files), check the preprocessing preview, then press “Quantize and evaluate”.</p>
              )}
              {hasImages && (
                <>
                  <h3>The images</h3>
                  <DatasetView />
                </>
              )}
            </div>
          )}
        </section>
        {learning && (
          <Suspense fallback={<aside className="learn card">Loading the lessons…</aside>}>
            <LearnPanel />
          </Suspense>
        )}
      </main>
    </div>
  );
}
