import { IMAGENET_NAMES, IMAGENET_SYNSETS } from './imagenet-classes';

const SYNSET_INDEX = new Map(IMAGENET_SYNSETS.map((s, i) => [s, i]));

export interface LabelSpace {
  /** human names of the model's output classes */
  names: string[];
  /** output index of ImageNet class 0 (1 for 1001-way models with a background class) */
  offset: number;
  kind: 'imagenet' | 'custom' | 'none';
}

/** ImageNet class index (0..999) from a WordNet synset in a file or folder name (n01440764_tench.JPEG). */
export function imagenetClassFromPath(path: string): number | null {
  const m = /(?:^|[^a-z0-9])(n\d{8})(?=[^0-9]|$)/i.exec(path) ?? /^(n\d{8})/.exec(path);
  if (!m) return null;
  return SYNSET_INDEX.get(m[1].toLowerCase()) ?? null;
}

export function imagenetLabelSpace(outputClasses: number): LabelSpace | null {
  if (outputClasses === 1000) return { names: [...IMAGENET_NAMES], offset: 0, kind: 'imagenet' };
  if (outputClasses === 1001) return { names: ['background', ...IMAGENET_NAMES], offset: 1, kind: 'imagenet' };
  return null;
}
