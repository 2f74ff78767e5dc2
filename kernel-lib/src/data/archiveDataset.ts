/**
 * Locating a data set that comes as archives (CIFAR, Tiny ImageNet, CORe50, Omniglot), in the order
 * torchvision and Avalanche use: its files already extracted in the folder (`datasetRoot`, else
 * `~/.avalanche/data/<name>`, the folder Avalanche itself uses, so an existing Avalanche data folder
 * is read as it is); else its archives in that folder, checked and extracted; else the archives
 * downloaded there (not when `AVALANCHE_TS_OFFLINE=1`). When nothing works the error names the
 * folder, what it must hold, and the files to put there with their URLs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { extractArchive } from './archives';
import { DownloadError, RemoteFile, downloadFile, fileMd5 } from './download';
import { OFFLINE_ENV_VAR, defaultDatasetFolder } from './idxDatasets';
import { notice } from '../utils/notice';
import { checkOneOf } from '../utils/validate';

/** How a data set is found and fetched. */
export interface ArchiveDatasetSpec<T> {
  /** Its name in messages, e.g. 'CIFAR-10'. */
  name: string;
  /** Its folder under the data root (Avalanche's `default_dataset_location` name), e.g. 'cifar10'. */
  folderName: string;
  /** What the folder must hold, for messages, e.g. "cifar-10-batches-py/ (data_batch_1..5, test_batch, batches.meta)". */
  needs: string;
  /** Reads the data set from `folder`, or returns null when its files are not there (a corrupt file is an error). */
  read(folder: string): T | null | Promise<T | null>;
  /** The archives that hold it, extracted into the folder. */
  archives: RemoteFile[];
}

/** Where an archive data set may come from. */
export const ARCHIVE_SOURCES = ['auto', 'folder', 'download'] as const;

/** Options of `loadArchiveDataset`. */
export interface ArchiveLoadOptions {
  /** The data set's folder (default `~/.avalanche/data/<folderName>`, or `$AVALANCHE_TS_DATA/<folderName>`). */
  datasetRoot?: string;
  /** 'auto' (default): the folder, then a download; 'folder': never download; 'download': download even when offline is set. */
  source?: (typeof ARCHIVE_SOURCES)[number];
  /** Replaces the archives' URLs: base URLs tried in order, each followed by the archive's name. */
  mirrors?: string[];
  /** Longest wait for the next chunk of a download, ms (default 30,000). */
  timeoutMs?: number;
}

/** A loaded data set and where it was read from. */
export interface Located<T> {
  data: T;
  folder: string;
  /** 'folder' (already there), 'archive' (extracted from archives found there) or 'download'. */
  source: 'folder' | 'archive' | 'download';
}

/** Loads an archive data set: see the module comment for the order. */
export async function loadArchiveDataset<T>(spec: ArchiveDatasetSpec<T>, options: ArchiveLoadOptions = {}): Promise<Located<T>> {
  const source = checkOneOf('source', options.source ?? 'auto', ARCHIVE_SOURCES);
  if (options.datasetRoot !== undefined && (typeof options.datasetRoot !== 'string' || options.datasetRoot === '')) {
    throw new Error(`datasetRoot must be a folder path (a non-empty string), got ${JSON.stringify(options.datasetRoot)}`);
  }
  const folder = path.resolve(options.datasetRoot ?? defaultDatasetFolder(spec.folderName));
  const found = await spec.read(folder);
  if (found) return { data: found, folder, source: 'folder' };

  // Archives the user put in the folder (e.g. downloaded by hand) are checked and extracted.
  const present = spec.archives.filter((a) => fs.existsSync(path.join(folder, a.name)));
  if (present.length === spec.archives.length) {
    for (const archive of spec.archives) {
      const file = path.join(folder, archive.name);
      if (archive.md5 && fileMd5(file) !== archive.md5) {
        throw new Error(`${spec.name}: '${file}' is not the published archive (MD5 ${fileMd5(file)}, expected ${archive.md5}); delete it so that it is downloaded again, or put the right file there`);
      }
    }
    const extracted = await extractAll(spec, folder);
    if (extracted) return { data: extracted, folder, source: 'archive' };
  }

  const offline = process.env[OFFLINE_ENV_VAR] === '1';
  const files = spec.archives.map((a) => `${a.name} (${a.urls[0]})`).join(', ');
  const toPut = `put ${spec.needs} in '${folder}', or the archive${spec.archives.length > 1 ? 's' : ''} ${files} there`;
  if (source === 'folder' || (source === 'auto' && offline)) {
    const why = source === 'folder' ? "source is 'folder'" : `downloads are off (${OFFLINE_ENV_VAR}=1)`;
    throw new Error(`${spec.name}: not found in '${folder}' and ${why}; ${toPut}`);
  }
  for (const archive of spec.archives) {
    const urls = options.mirrors ? options.mirrors.map((m) => (m.endsWith('/') ? m : `${m}/`) + archive.name) : archive.urls;
    notice(`avalanche-ts: downloading ${spec.name}'s ${archive.name} into '${folder}'`);
    try {
      await downloadFile({ ...archive, urls }, folder, { dataset: spec.name, idleTimeoutMs: options.timeoutMs });
    } catch (error) {
      const reason = error instanceof DownloadError ? error.summary : (error as Error).message;
      throw new Error(`${spec.name}: not found in '${folder}', and the download failed (${reason}); ${toPut}`);
    }
  }
  const extracted = await extractAll(spec, folder);
  if (!extracted) throw new Error(`${spec.name}: the archives were extracted into '${folder}' but do not hold ${spec.needs}`);
  return { data: extracted, folder, source: 'download' };
}

async function extractAll<T>(spec: ArchiveDatasetSpec<T>, folder: string): Promise<T | null> {
  for (const archive of spec.archives) {
    if (/\.(zip|tar|tar\.gz|tgz)$/i.test(archive.name)) await extractArchive(path.join(folder, archive.name), folder);
  }
  return spec.read(folder);
}
