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

/**
 * Class names from a label list: one per line (blank lines and #-comments skipped). Common decorations are
 * removed: a leading index ("0: ", "0 "), a leading synset ("n01440764 tench, Tinca tinca" keeps the synset as
 * the name, so synset folders match), quotes and trailing commas ("'tench',").
 */
export function parseLabelList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const syn = /^(n\d{8})\b/i.exec(l);
      if (syn) return syn[1].toLowerCase();
      return l.replace(/^\{?\s*\d+\s*[:=\s]\s*/, '').replace(/^['"]|['"],?\s*\}?$|,$/g, '').trim();
    });
}

const norm = (s: string) => s.toLowerCase().replace(/[\s_-]+/g, ' ').trim();

/**
 * The class of an image from the names of its folders (deepest first), else the start of its file name
 * (cat_001.jpg), matched against class names case- and separator-insensitively; null when nothing matches.
 */
export function classFromNames(path: string, names: readonly string[]): number | null {
  const index = new Map<string, number>();
  names.forEach((n, i) => {
    const k = norm(n);
    if (!index.has(k)) index.set(k, i);
  });
  const parts = path.split('/');
  const file = parts.pop() ?? '';
  for (const dir of parts.reverse()) {
    const k = index.get(norm(dir));
    if (k !== undefined) return k;
  }
  const stem = /^([^._]+)/.exec(file)?.[1];
  return stem !== undefined ? (index.get(norm(stem)) ?? null) : null;
}

/**
 * A label space from a list of class names for a model with `outputClasses` outputs: equal counts, or one fewer
 * name than outputs (a background class at index 0, as TF-slim's 1001-way models). Otherwise a sentence.
 */
export function customLabelSpace(names: string[], outputClasses: number | null, fileName: string): LabelSpace | string {
  if (names.length < 2) return `${fileName} holds ${names.length} class name${names.length === 1 ? '' : 's'}: a label list has one class name per line.`;
  if (outputClasses === null) return `The model's output size is unknown, so the ${names.length} names of ${fileName} cannot be matched to its outputs.`;
  if (names.length === outputClasses) return { names, offset: 0, kind: 'custom' };
  if (names.length === outputClasses - 1) return { names: ['background', ...names], offset: 1, kind: 'custom' };
  return `${fileName} holds ${names.length} class names but the model has ${outputClasses} outputs: they must match (or be one fewer, with a background class at 0).`;
}

/**
 * ImageFolder (torchvision) labels: each class folder's index in the sorted list of folder names, when every
 * image sits in a folder and there are 2 to `outputClasses` folders. Null otherwise.
 */
export function imageFolderClasses(paths: readonly string[], outputClasses: number | null): Map<string, number> | null {
  const folders = paths.map((p) => {
    const parts = p.split('/');
    return parts.length > 1 ? parts[parts.length - 2] : null;
  });
  if (folders.some((f) => f === null)) return null;
  const sorted = [...new Set(folders as string[])].sort();
  if (sorted.length < 2 || outputClasses === null || sorted.length > outputClasses) return null;
  return new Map(sorted.map((f, i) => [f, i]));
}
