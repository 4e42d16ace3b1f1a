import { Unzip, UnzipInflate } from 'fflate';

/** A file taken out of a zip archive, or the reason it could not be. */
export interface ZipEntry {
  /** path inside the archive, prefixed with the archive's name (labels come from folder names) */
  path: string;
  name: string;
  blob?: Blob;
  error?: string;
}

export interface ZipLimits {
  /** bytes one entry may inflate to */
  maxEntryBytes: number;
  /** bytes the whole archive may inflate to */
  maxTotalBytes: number;
  /** inflated / compressed size above which an entry is treated as a bomb (and it is over 1 MB) */
  maxRatio: number;
  maxEntries: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxEntryBytes: 64 * 2 ** 20, maxTotalBytes: 2 * 2 ** 30, maxRatio: 200, maxEntries: 100_000 };

const MB = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;

/** Archive noise that is not the user's data: macOS resource forks, hidden files. */
const skipped = (path: string) => /(^|\/)(__MACOSX|\.[^/]*)(\/|$)/.test(path);

/**
 * The files of a zip archive, streamed (the archive is read in chunks, each entry inflated as it arrives) and
 * bounded: an entry that inflates past `maxEntryBytes` or `maxRatio` × its compressed size, or an archive past
 * `maxTotalBytes`, stops with a sentence instead of exhausting memory (a zip bomb). Entries already read are kept.
 */
export async function unzipFiles(archive: Blob, archiveName: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<{ entries: ZipEntry[]; error?: string }> {
  const entries: ZipEntry[] = [];
  const prefix = archiveName.replace(/\.zip$/i, '');
  let total = 0;
  let fatal: string | undefined;
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  unzip.onfile = (f) => {
    if (fatal || f.name.endsWith('/') || skipped(f.name)) return;
    if (entries.length >= limits.maxEntries) {
      fatal = `${archiveName} holds more than ${limits.maxEntries} files; only the first ${limits.maxEntries} were read.`;
      return;
    }
    const entry: ZipEntry = { path: `${prefix}/${f.name}`, name: f.name.split('/').pop()! };
    entries.push(entry);
    if (f.compression !== 0 && f.compression !== 8) {
      entry.error = `compressed with method ${f.compression}, which only deflate and stored archives support here: re-zip it with a standard tool`;
      return;
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    f.ondata = (err, data, final) => {
      if (entry.error) return;
      if (err) {
        entry.error = `could not be inflated (${err.message}): the archive may be damaged`;
        return;
      }
      size += data.length;
      total += data.length;
      const ratio = f.size ? size / f.size : 0;
      if (size > limits.maxEntryBytes || (size > 2 ** 20 && ratio > limits.maxRatio)) {
        entry.error = `inflates past ${size > limits.maxEntryBytes ? MB(limits.maxEntryBytes) : `${limits.maxRatio}× its compressed size`}: skipped as a possible zip bomb`;
        chunks.length = 0;
        f.terminate();
        return;
      }
      if (total > limits.maxTotalBytes) {
        fatal = `${archiveName} inflates past ${MB(limits.maxTotalBytes)}: stopped there (a zip bomb, or too large to hold in memory).`;
        entry.error = 'not read: the archive is over its size limit';
        chunks.length = 0;
        f.terminate();
        return;
      }
      chunks.push(data);
      if (final) entry.blob = new Blob(chunks as BlobPart[]);
    };
    f.start();
  };
  const reader = archive.stream().getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (fatal) break;
      unzip.push(value ?? new Uint8Array(0), done);
      if (done) break;
    }
  } catch (e) {
    fatal ??= `${archiveName} could not be read as a zip archive (${e instanceof Error ? e.message : String(e)}): it may be damaged or cut short.`;
  } finally {
    reader.releaseLock();
  }
  for (const e of entries) if (!e.blob && !e.error) e.error = 'is cut short: the archive ends before this file does';
  if (!entries.length && !fatal) return { entries, error: `${archiveName} holds no files (or is not a zip archive).` };
  return { entries, error: fatal };
}
