import { useRef, useState } from 'react';

import { cancelModelDownload, loadDemo, loadModelFile, loadModelFromUrl } from '../../store/actions';
import { useApp } from '../../store/store';
import { bytes } from '../format';

export function ModelCard() {
  const model = useApp((s) => s.model);
  const status = useApp((s) => s.modelStatus);
  const error = useApp((s) => s.modelError);
  const download = useApp((s) => s.modelDownload);
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [url, setUrl] = useState('');

  // The drop itself is handled for the whole page (App): models, images and folders alike.
  const onDrop = () => setOver(false);

  const n = model?.normalization;
  const steps = n
    ? [
        n.opset.from !== n.opset.to && `opset ${n.opset.from} → ${n.opset.to} (${n.opset.rewritten} nodes rewritten)`,
        n.constantsToInitializers > 0 && `${n.constantsToInitializers} Constant nodes → initializers`,
        n.batchNormsFolded.length > 0 && `${n.batchNormsFolded.length} BatchNormalization folded into Conv`,
        n.identitiesRemoved > 0 && `${n.identitiesRemoved} Identity/Dropout removed`,
      ].filter(Boolean)
    : [];

  return (
    <section className="card" aria-labelledby="model-h">
      <h2 id="model-h">1. Model</h2>
      <div
        className={`dropzone${over ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p>Drop an .onnx file (and images or a folder) anywhere, or</p>
        <div className="row">
          <button type="button" onClick={() => input.current?.click()} disabled={status === 'loading'}>
            Choose model…
          </button>
          <button type="button" className="secondary" onClick={() => void loadDemo()} disabled={status === 'loading'} data-testid="demo-button">
            Load the demo
          </button>
        </div>
        <input
          ref={input}
          type="file"
          accept=".onnx"
          hidden
          data-testid="model-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void loadModelFile(f);
            e.target.value = '';
          }}
        />
        <form
          className="row url-open"
          onSubmit={(e) => {
            e.preventDefault();
            if (url.trim()) void loadModelFromUrl(url);
          }}
        >
          <input type="url" placeholder="or open from a URL: https://…/model.onnx" value={url} onChange={(e) => setUrl(e.target.value)} aria-label="Model URL" data-testid="model-url" />
          <button type="submit" className="secondary" disabled={status === 'loading' || !url.trim()} data-testid="model-url-open">
            Open
          </button>
        </form>
        {download && (
          <div className="progress" data-testid="model-download">
            <progress max={download.total ?? undefined} value={download.total ? download.done : undefined} />
            <span className="small">
              Downloading {bytes(download.done)}
              {download.total ? ` of ${bytes(download.total)}` : ''}{' '}
              <button type="button" className="link small" onClick={cancelModelDownload}>
                Cancel
              </button>
            </span>
          </div>
        )}
      </div>
      {status === 'loading' && <p className="muted">Reading the model…</p>}
      {error && (
        <p className="error" role="alert" data-testid="model-error">
          {error}
        </p>
      )}
      {model && (
        <dl className="facts" data-testid="model-info">
          <dt>File</dt>
          <dd title={model.fileName}>{model.fileName}</dd>
          <dt>Size</dt>
          <dd>
            {bytes(model.sizeBytes)}, {(model.summary.parameterCount / 1e6).toFixed(2)} M parameters
          </dd>
          <dt>Graph</dt>
          <dd>
            {model.summary.nodeCount} nodes, opset {model.summary.opset}
            {model.summary.opCounts.Conv ? `, ${model.summary.opCounts.Conv} Conv` : ''}
          </dd>
          <dt>Input</dt>
          <dd>
            {model.inputName} [{model.inputDims.map((d) => (d < 0 ? '?' : d)).join('×')}] {model.layout}
          </dd>
          <dt>Output</dt>
          <dd>
            {model.outputClasses} classes
            {model.labelSpace?.offset ? ' (index 0 = background)' : ''}
          </dd>
          {steps.length > 0 && (
            <>
              <dt>Prepared</dt>
              <dd>{steps.join('; ')}</dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}
