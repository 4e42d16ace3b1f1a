/** A dropped file with the path it had inside a dropped folder (labels come from folder and file names). */
export interface DroppedFile {
  file: File;
  path: string;
}

function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  // readEntries returns at most ~100 entries per call: read until it returns none.
  return new Promise((resolve, reject) => {
    const out: FileSystemEntry[] = [];
    const next = () =>
      reader.readEntries((batch) => {
        if (!batch.length) resolve(out);
        else {
          out.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

async function walk(entry: FileSystemEntry, out: DroppedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ file, path: entry.fullPath.replace(/^\//, '') });
  } else if (entry.isDirectory) {
    const children = await readAll((entry as FileSystemDirectoryEntry).createReader());
    children.sort((a, b) => a.name.localeCompare(b.name));
    for (const c of children) await walk(c, out);
  }
}

/** Every file of a drop, walking dropped folders recursively (DataTransferItem.webkitGetAsEntry). */
export async function droppedFiles(dt: DataTransfer): Promise<DroppedFile[]> {
  const entries = [...dt.items].map((i) => (i.kind === 'file' ? i.webkitGetAsEntry() : null));
  if (entries.some((e) => e)) {
    const out: DroppedFile[] = [];
    for (const e of entries) if (e) await walk(e, out);
    return out;
  }
  return [...dt.files].map((file) => ({ file, path: file.name }));
}
