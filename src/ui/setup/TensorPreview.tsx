import { useEffect, useState } from 'react';

import { engine } from '../../bridge/engine';
import { currentPreprocess } from '../../store/actions';
import { useAppShallow } from '../../store/store';

interface Preview {
  name: string;
  width: number;
  height: number;
  channels: { source: string; min: number; max: number; mean: number; url: string }[];
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));

/** The tensor the model will receive for the first image: each channel as grey, with its value range. */
export function TensorPreview() {
  const s = useAppShallow((st) => ({ presetId: st.presetId, w: st.inputWidth, h: st.inputHeight, images: st.images, model: st.model }));
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const usable = s.images.some((i) => !i.error);

  useEffect(() => {
    if (!usable || !s.model) return;
    let alive = true;
    engine()
      .previewTensor(currentPreprocess())
      .then((p) => {
        if (!alive || !p) return;
        const channels = p.channels.map((c) => ({ ...c, url: URL.createObjectURL(c.png) }));
        setPreview({ name: p.name, width: p.width, height: p.height, channels });
        setError(null);
      })
      .catch((e: unknown) => alive && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      alive = false;
    };
  }, [s.presetId, s.w, s.h, s.images, s.model, usable]);
  // A preview's pictures are released once another replaces it (or the card goes): released when a new
  // request started, the pictures still shown failed to load (ERR_FILE_NOT_FOUND, an empty frame).
  useEffect(
    () => () => {
      for (const c of preview?.channels ?? []) URL.revokeObjectURL(c.url);
    },
    [preview],
  );

  if (!usable || !s.model) return null;
  if (error) return <p className="error small">The preview failed: {error}</p>;
  if (!preview) return null;
  const scale = Math.min(1, 96 / preview.height, 200 / preview.width);
  return (
    <div className="tensor-preview" data-testid="tensor-preview">
      <p className="small muted">
        What the model receives for <span className="mono">{preview.name.split('/').pop()}</span> ({preview.width}×{preview.height}), channel by channel, each
        stretched to its own range:
      </p>
      <div className="row">
        {preview.channels.map((c, i) => (
          <figure key={i} className="channel" data-testid={`tensor-channel-${i}`} data-min={c.min} data-max={c.max} data-source={c.source}>
            <img src={c.url} alt={`channel ${i} (${c.source})`} width={Math.round(preview.width * scale)} height={Math.round(preview.height * scale)} />
            <figcaption className="small">
              {i}: {c.source} [{fmt(c.min)}, {fmt(c.max)}], mean {fmt(c.mean)}
            </figcaption>
          </figure>
        ))}
      </div>
    </div>
  );
}
