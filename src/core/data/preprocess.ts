/**
 * How an image becomes the tensor a model was trained on:
 *   1. resize: 'crop' scales the short side to `resizeShort` and takes a centred width×height crop;
 *      'stretch' scales the whole image to width×height
 *   2. per channel (in `channelOrder`): v = (pixel · scale − mean[c]) / std[c]
 *   3. layout NCHW or NHWC, batch 1
 */
export interface Preprocess {
  width: number;
  height: number;
  resize: 'crop' | 'stretch';
  resizeShort: number;
  channelOrder: 'RGB' | 'BGR';
  scale: number;
  mean: [number, number, number];
  std: [number, number, number];
  layout: 'NCHW' | 'NHWC';
}

export interface PreprocessPreset {
  id: string;
  label: string;
  description: string;
  values: Omit<Preprocess, 'width' | 'height' | 'resizeShort' | 'layout'> & { resizeRatio: number };
}

/** Presets for the common training pipelines; `resizeRatio` gives resizeShort = round(size / ratio). */
export const PREPROCESS_PRESETS: PreprocessPreset[] = [
  {
    id: 'tf-inception',
    label: 'TF / Keras, [−1, 1] (MobileNet)',
    description: 'RGB, x / 127.5 − 1, short side to 256/224 of the input, centre crop',
    values: { resize: 'crop', resizeRatio: 0.875, channelOrder: 'RGB', scale: 1 / 127.5, mean: [1, 1, 1], std: [1, 1, 1] },
  },
  {
    id: 'torchvision',
    label: 'torchvision ImageNet',
    description: 'RGB, (x / 255 − mean) / std with mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225), centre crop',
    values: {
      resize: 'crop',
      resizeRatio: 0.875,
      channelOrder: 'RGB',
      scale: 1 / 255,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    },
  },
  {
    id: 'caffe',
    label: 'Caffe, BGR mean (SqueezeNet)',
    description: 'BGR, x − (104, 117, 123), no scaling, short side to 256, centre crop',
    values: { resize: 'crop', resizeRatio: 227 / 256, channelOrder: 'BGR', scale: 1, mean: [104, 117, 123], std: [1, 1, 1] },
  },
  {
    id: 'ppocr-cls',
    label: 'PP-OCR text line, [−1, 1]',
    description: 'RGB, x / 127.5 − 1, the whole image stretched to the input size',
    values: { resize: 'stretch', resizeRatio: 1, channelOrder: 'RGB', scale: 1 / 127.5, mean: [1, 1, 1], std: [1, 1, 1] },
  },
];

export function presetPreprocess(presetId: string, width: number, height: number, layout: 'NCHW' | 'NHWC' = 'NCHW'): Preprocess {
  const preset = PREPROCESS_PRESETS.find((p) => p.id === presetId);
  if (!preset) throw new Error(`Unknown preprocessing preset '${presetId}'.`);
  const { resizeRatio, ...v } = preset.values;
  return { ...v, width, height, layout, resizeShort: Math.round(Math.min(width, height) / resizeRatio) };
}

/** The source rectangle (in source pixels) that maps onto the width×height output. */
export function sourceRect(srcW: number, srcH: number, p: Preprocess): { sx: number; sy: number; sw: number; sh: number } {
  if (p.resize === 'stretch') return { sx: 0, sy: 0, sw: srcW, sh: srcH };
  const k = p.resizeShort / Math.min(srcW, srcH);
  const sw = Math.min(srcW, p.width / k);
  const sh = Math.min(srcH, p.height / k);
  return { sx: (srcW - sw) / 2, sy: (srcH - sh) / 2, sw, sh };
}

/**
 * Normalise a width×height image given as RGB bytes (3 per pixel, row-major) into a float tensor of
 * dims [1, 3, H, W] (NCHW) or [1, H, W, 3] (NHWC).
 */
export function rgbToTensor(rgb: Uint8Array, p: Preprocess, out = new Float32Array(3 * p.width * p.height)): Float32Array {
  const hw = p.width * p.height;
  if (rgb.length !== hw * 3) throw new RangeError(`Expected ${hw * 3} RGB bytes for ${p.width}×${p.height}, got ${rgb.length}.`);
  const order = p.channelOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  for (let c = 0; c < 3; c++) {
    const src = order[c];
    const k = p.scale / p.std[c];
    const b = -p.mean[c] / p.std[c];
    if (p.layout === 'NCHW') {
      const base = c * hw;
      for (let i = 0; i < hw; i++) out[base + i] = rgb[i * 3 + src] * k + b;
    } else {
      for (let i = 0; i < hw; i++) out[i * 3 + c] = rgb[i * 3 + src] * k + b;
    }
  }
  return out;
}

/** Input geometry from the model's input dims: layout, and the spatial size (null where dynamic). */
export function inputGeometry(dims: readonly number[]): { layout: 'NCHW' | 'NHWC'; height: number | null; width: number | null } | null {
  if (dims.length !== 4) return null;
  const fix = (d: number) => (d > 0 ? d : null);
  if (dims[1] === 3 || dims[1] === 1) return { layout: 'NCHW', height: fix(dims[2]), width: fix(dims[3]) };
  if (dims[3] === 3 || dims[3] === 1) return { layout: 'NHWC', height: fix(dims[1]), width: fix(dims[2]) };
  return null;
}

export interface ChannelView {
  /** which source colour feeds this tensor channel (BGR presets swap R and B) */
  source: 'R' | 'G' | 'B';
  min: number;
  max: number;
  mean: number;
  /** the channel as 8-bit grey, stretched from min (0) to max (255), row-major height × width */
  grey: Uint8Array;
}

/**
 * What the model receives, channel by channel: each tensor channel's value range and mean, and a grey image
 * of it stretched to its own range (so a channel that is all one value shows as flat grey, not black).
 */
export function tensorChannels(t: Float32Array, p: Pick<Preprocess, 'width' | 'height' | 'layout' | 'channelOrder'>): ChannelView[] {
  const hw = p.width * p.height;
  if (t.length !== hw * 3) throw new RangeError(`Expected ${hw * 3} values for ${p.width}×${p.height}×3, got ${t.length}.`);
  const at = p.layout === 'NCHW' ? (c: number, i: number) => t[c * hw + i] : (c: number, i: number) => t[i * 3 + c];
  const names: ('R' | 'G' | 'B')[] = p.channelOrder === 'RGB' ? ['R', 'G', 'B'] : ['B', 'G', 'R'];
  return names.map((source, c) => {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (let i = 0; i < hw; i++) {
      const v = at(c, i);
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    const grey = new Uint8Array(hw);
    const span = max - min;
    for (let i = 0; i < hw; i++) grey[i] = span > 0 ? Math.round(((at(c, i) - min) / span) * 255) : 128;
    return { source, min, max, mean: sum / hw, grey };
  });
}
