import { useRef } from 'react';

import { addImageFiles, addLabelList, cancelImages, clearImages, clearLabelList } from '../../store/actions';
import { ProgressLine } from '../analysis/ProgressLine';
import { useApp } from '../../store/store';

export function ImagesCard() {
  const images = useApp((s) => s.images);
  const status = useApp((s) => s.imagesStatus);
  const error = useApp((s) => s.imagesError);
  // Only the images' own progress: a run's would re-render this card on every progress event for nothing.
  const progress = useApp((s) => (s.progress?.phase === 'decode' ? s.progress : null));
  const labelSource = useApp((s) => s.labelSource);
  const labelListError = useApp((s) => s.labelListError);
  const customLabels = useApp((s) => s.model?.labelSpace?.kind === 'custom');
  const hasModel = useApp((s) => s.model !== null);
  const folder = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLInputElement>(null);
  const files = useRef<HTMLInputElement>(null);
  const broken = images.filter((i) => i.error);
  const labelled = images.filter((i) => !i.error && i.label !== null).length;

  const onPick = (e: React.ChangeEvent<HTMLInputElement>) => {
    const list = [...(e.target.files ?? [])];
    e.target.value = '';
    void addImageFiles(list);
  };

  return (
    <section className="card" aria-labelledby="images-h">
      <h2 id="images-h">2. Images</h2>
      <div className="row">
        <button type="button" onClick={() => folder.current?.click()} disabled={status === 'loading'}>
          Add a folder…
        </button>
        <button type="button" className="secondary" onClick={() => files.current?.click()} disabled={status === 'loading'}>
          Add images…
        </button>
        <button type="button" className="secondary" onClick={() => list.current?.click()} disabled={!hasModel} title={hasModel ? undefined : 'Load a model first: the list must fit its outputs'} data-testid="label-list-button">
          Class list…
        </button>
        {images.length > 0 && (
          <button type="button" className="link" onClick={() => void clearImages()}>
            Clear
          </button>
        )}
      </div>
      <input
        ref={list}
        type="file"
        hidden
        accept=".txt,text/plain"
        data-testid="label-list-input"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void addLabelList(f);
        }}
      />
      <input ref={folder} type="file" hidden multiple data-testid="folder-input" onChange={onPick} {...{ webkitdirectory: '' }} />
      <input ref={files} type="file" hidden multiple accept="image/*,.zip,application/zip" data-testid="files-input" onChange={onPick} />
      {status === 'loading' && progress?.phase === 'decode' && (
        <div className="row">
          <ProgressLine progress={progress} label={hasModel ? 'Decoding images for the model' : 'Checking images'} testId="images-progress" />
          <button type="button" className="link small" onClick={cancelImages} data-testid="cancel-images">
            Cancel
          </button>
        </div>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      <p data-testid="image-count">
        {images.length - broken.length} images
        {images.length > 0 && <>, {labelled} with labels{labelled === 0 && ' (accuracy is replaced by agreement with FP32)'}</>}
      </p>
      <p className="muted small" data-testid="label-source">
        {labelSource ?? 'Labels come from ImageNet synsets in file names (n01440764_…), class folders, or a class list; without them Quantscope compares int8 with FP32.'}
        {customLabels && (
          <>
            {' '}
            <button type="button" className="link small" onClick={() => void clearLabelList()}>
              Remove the class list
            </button>
          </>
        )}
      </p>
      {labelListError && (
        <p className="error" role="alert" data-testid="label-list-error">
          {labelListError}
        </p>
      )}
      {broken.length > 0 && (
        <details className="broken" data-testid="broken-files">
          <summary>
            {broken.length} file{broken.length > 1 ? 's' : ''} skipped
          </summary>
          <ul>
            {broken.slice(0, 200).map((b) => (
              <li key={b.id}>
                <span className="mono">{b.name}</span>: {b.error}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
