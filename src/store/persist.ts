import type { SavedAnalyses } from './saved-analyses';

/**
 * The workspace kept in this browser's IndexedDB, so a reload or a crashed tab loses nothing: the model (its
 * bytes, or "the demo"), copies of the images, the class list, the settings, whether a run was made and with
 * which settings (it is made again on restore: same images, split and seed give the same numbers, and the
 * worker gets its analysis state back), and the experiments' results. One database, one object store, a few keys.
 */

const DB = 'quantscope';
const STORE = 'workspace';

export interface SavedModel {
  demo?: boolean;
  bytes?: ArrayBuffer;
  fileName?: string;
}

export interface SavedImages {
  demo?: boolean;
  files: { file: Blob; path: string }[];
}

export const SETTINGS_KEYS = [
  'presetId',
  'inputWidth',
  'inputHeight',
  'calibCount',
  'evalCount',
  'seed',
  'sqnrSamples',
  'calibrator',
  'weightBits',
  'activationBits',
  'activationSymmetric',
  'cle',
  'biasCorrection',
] as const;

export type SettingsKey = (typeof SETTINGS_KEYS)[number];

export interface Workspace {
  model?: SavedModel;
  images?: SavedImages;
  labelList?: { text: string; fileName: string } | null;
  settings?: Partial<Record<SettingsKey, unknown>>;
  ran?: boolean;
  /**
   * what the run was made with: its settings (those above may have been edited since), and how many images it
   * evaluated when its evaluation was cancelled part way
   */
  run?: { settings: Partial<Record<SettingsKey, unknown>>; evalLimit?: number };
  analyses?: SavedAnalyses | null;
}

let dbPromise: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  dbPromise ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return dbPromise;
}

function tx<T>(mode: IDBTransactionMode, run: (s: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
  return open().then(
    (db) =>
      new Promise<T | undefined>((resolve, reject) => {
        const t = db.transaction(STORE, mode);
        const req = run(t.objectStore(STORE));
        t.oncomplete = () => resolve(req ? req.result : undefined);
        t.onerror = () => reject(t.error);
        t.onabort = () => reject(t.error ?? new Error('The browser refused to store the workspace (storage full?).'));
      }),
  );
}

export async function saveWorkspacePart<K extends keyof Workspace>(key: K, value: Workspace[K]): Promise<void> {
  await tx('readwrite', (s) => {
    s.put(value, key);
  });
}

export async function appendImages(files: { file: Blob; path: string }[]): Promise<void> {
  const cur = ((await tx<SavedImages>('readonly', (s) => s.get('images'))) ?? { files: [] }) as SavedImages;
  await saveWorkspacePart('images', { demo: false, files: [...(cur.demo ? [] : cur.files), ...files] });
}

export async function loadWorkspace(): Promise<Workspace> {
  const out: Workspace = {};
  for (const k of ['model', 'images', 'labelList', 'settings', 'ran', 'run', 'analyses'] as const) {
    const v = await tx<unknown>('readonly', (s) => s.get(k));
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

export async function clearWorkspace(): Promise<void> {
  await tx('readwrite', (s) => {
    s.clear();
  });
}
