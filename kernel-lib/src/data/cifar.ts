/**
 * CIFAR-10 and CIFAR-100 from the files torchvision keeps (`cifar-10-batches-py/`,
 * `cifar-100-python/`: pickled dicts with a uint8 NumPy array of 3072 values per image, red plane,
 * green plane, blue plane) or the binary versions (`cifar-10-batches-bin/`, `cifar-100-binary/`: a
 * label byte (CIFAR-100: coarse then fine) then the 3072 bytes). Images are stored 32x32x3, HWC, as
 * the models take them.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ArchiveDatasetSpec, ArchiveLoadOptions, loadArchiveDataset } from './archiveDataset';
import { RawDataset, RawSplit } from './idxDatasets';
import { NdArray, PyValue, describe, pyString, unpickle } from './pickle';

const PIXELS = 32 * 32 * 3;

/**
 * The MD5 of each file of the Python versions, as torchvision checks them before reading (the
 * binary versions have none published). Exported so that tests can register the files they write.
 */
export const CIFAR_FILE_MD5: Record<string, string> = {
  'cifar-10-batches-py/data_batch_1': 'c99cafc152244af753f735de768cd75f',
  'cifar-10-batches-py/data_batch_2': 'd4bba439e000b95fd0a9bffe97cbabec',
  'cifar-10-batches-py/data_batch_3': '54ebc095f3ab1f0389bbae665268c751',
  'cifar-10-batches-py/data_batch_4': '634d18415352ddfa80567beed471001a',
  'cifar-10-batches-py/data_batch_5': '482c414d41f54cd18b22e5b47cb7c3cb',
  'cifar-10-batches-py/test_batch': '40351d587109b95175f43aff81a1287e',
  'cifar-10-batches-py/batches.meta': '5ff9c542aee3614f3951f8cda6e48888',
  'cifar-100-python/train': '16019d7e3df5f24257cddd939b257f8d',
  'cifar-100-python/test': 'f0ef6b0ae62326f3e7ffdfab6717acfc',
  'cifar-100-python/meta': '7973b15100ade9c7d40fb424638fde48',
};

/** Reads a file of a Python version after checking its MD5 (an error naming the file when it differs). */
function readChecked(file: string, key: string): Buffer {
  const bytes = fs.readFileSync(file);
  const expected = CIFAR_FILE_MD5[key];
  const md5 = crypto.createHash('md5').update(bytes).digest('hex');
  if (expected && md5 !== expected) {
    throw new Error(`${file}: MD5 ${md5}, expected ${expected} (torchvision's checksum): the file is corrupt or not the published one; delete the folder to download it again`);
  }
  return bytes;
}

/** CHW planes (CIFAR's order) to HWC. */
function planesToHwc(src: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n * PIXELS);
  const plane = 32 * 32;
  for (let i = 0; i < n; i++) {
    const s = i * PIXELS;
    for (let p = 0; p < plane; p++) {
      const o = s + p * 3;
      out[o] = src[s + p];
      out[o + 1] = src[s + plane + p];
      out[o + 2] = src[s + 2 * plane + p];
    }
  }
  return out;
}

function field(dict: PyValue, key: string, file: string): PyValue {
  if (!dict || typeof dict !== 'object' || Array.isArray(dict) || dict instanceof Map || dict instanceof Uint8Array || dict instanceof NdArray) {
    throw new Error(`${file}: expected a pickled dict, got ${describe(dict)}`);
  }
  const value = (dict as Record<string, PyValue>)[key];
  if (value === undefined) throw new Error(`${file}: no '${key}' entry (it has ${Object.keys(dict).join(', ')}); not a CIFAR batch file`);
  return value;
}

/** One pickled batch: images (HWC) and labels under `labelKey`. */
function readPickledBatch(file: string, key: string, labelKey: string, numClasses: number): RawSplit {
  const batch = unpickle(readChecked(file, key), file);
  const data = field(batch, 'data', file);
  if (!(data instanceof NdArray) || data.dtype.replace(/^[|<=]/, '') !== 'u1' || data.shape.length !== 2 || data.shape[1] !== PIXELS) {
    throw new Error(`${file}: 'data' must be a uint8 array of shape [n, 3072], got ${describe(data)}`);
  }
  const n = data.shape[0];
  const labels = field(batch, labelKey, file);
  const list = labels instanceof NdArray ? Array.from(labels.values() as ArrayLike<number | bigint>, Number) : labels;
  if (!Array.isArray(list) || list.length !== n || !list.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < numClasses)) {
    throw new Error(`${file}: '${labelKey}' must hold ${n} labels in 0..${numClasses - 1}`);
  }
  return { images: planesToHwc(data.values() as Uint8Array, n), labels: Int32Array.from(list as number[]), sampleShape: [32, 32, 3] };
}

/** Records of a binary batch: `labelBytes` bytes (the label used is the last) then 3072 pixels. */
function readBinaryBatch(file: string, labelBytes: number, numClasses: number): RawSplit {
  const bytes = fs.readFileSync(file);
  const record = labelBytes + PIXELS;
  if (bytes.length % record !== 0) throw new Error(`${file}: ${bytes.length} bytes is not a whole number of ${record}-byte records; not a CIFAR binary file, or truncated`);
  const n = bytes.length / record;
  const planes = new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = bytes[i * record + labelBytes - 1];
    if (label >= numClasses) throw new Error(`${file}: record ${i} has label ${label}, outside 0..${numClasses - 1}`);
    labels[i] = label;
    planes.set(bytes.subarray(i * record + labelBytes, (i + 1) * record), i * PIXELS);
  }
  return { images: planesToHwc(planes, n), labels, sampleShape: [32, 32, 3] };
}

function concatSplits(splits: RawSplit[]): RawSplit {
  const n = splits.reduce((a, s) => a + s.labels.length, 0);
  const images = new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  let at = 0;
  for (const s of splits) {
    images.set(s.images, at * PIXELS);
    labels.set(s.labels, at);
    at += s.labels.length;
  }
  return { images, labels, sampleShape: [32, 32, 3] };
}

/** The first of `dirs` holding every one of `files`, or null. */
function folderWith(dirs: string[], files: string[]): string | null {
  return dirs.find((d) => files.every((f) => fs.existsSync(path.join(d, f)))) ?? null;
}

const CIFAR10_PY = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch', 'batches.meta'];
const CIFAR10_BIN = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
const CIFAR10_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** Reads CIFAR-10 from `folder` (its `cifar-10-batches-py/` or `cifar-10-batches-bin/`, or the folder itself); null when absent. */
export function readCifar10(folder: string): RawDataset | null {
  const py = folderWith([path.join(folder, 'cifar-10-batches-py'), folder], CIFAR10_PY);
  if (py) {
    const meta = unpickle(readChecked(path.join(py, 'batches.meta'), 'cifar-10-batches-py/batches.meta'), path.join(py, 'batches.meta'));
    const names = field(meta, 'label_names', path.join(py, 'batches.meta'));
    return {
      name: 'CIFAR-10',
      train: concatSplits(CIFAR10_PY.slice(0, 5).map((f) => readPickledBatch(path.join(py, f), `cifar-10-batches-py/${f}`, 'labels', 10))),
      test: readPickledBatch(path.join(py, 'test_batch'), 'cifar-10-batches-py/test_batch', 'labels', 10),
      source: 'folder',
      folder: py,
      classNames: Array.isArray(names) ? names.map((v, i) => pyString(v, `batches.meta label_names[${i}]`)) : CIFAR10_NAMES,
    };
  }
  const bin = folderWith([path.join(folder, 'cifar-10-batches-bin'), folder], CIFAR10_BIN);
  if (bin) {
    return {
      name: 'CIFAR-10',
      train: concatSplits(CIFAR10_BIN.slice(0, 5).map((f) => readBinaryBatch(path.join(bin, f), 1, 10))),
      test: readBinaryBatch(path.join(bin, 'test_batch.bin'), 1, 10),
      source: 'folder',
      folder: bin,
      classNames: readNames(path.join(bin, 'batches.meta.txt')) ?? CIFAR10_NAMES,
    };
  }
  return null;
}

function readNames(file: string): string[] | null {
  if (!fs.existsSync(file)) return null;
  return fs.readFileSync(file, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
}

/** Reads CIFAR-100 (fine labels) from `folder` (its `cifar-100-python/` or `cifar-100-binary/`, or the folder itself); null when absent. */
export function readCifar100(folder: string): RawDataset | null {
  const py = folderWith([path.join(folder, 'cifar-100-python'), folder], ['train', 'test', 'meta']);
  if (py) {
    const meta = unpickle(readChecked(path.join(py, 'meta'), 'cifar-100-python/meta'), path.join(py, 'meta'));
    const names = field(meta, 'fine_label_names', path.join(py, 'meta'));
    if (!Array.isArray(names) || names.length !== 100) throw new Error(`${path.join(py, 'meta')}: 'fine_label_names' must list 100 names`);
    return {
      name: 'CIFAR-100',
      train: readPickledBatch(path.join(py, 'train'), 'cifar-100-python/train', 'fine_labels', 100),
      test: readPickledBatch(path.join(py, 'test'), 'cifar-100-python/test', 'fine_labels', 100),
      source: 'folder',
      folder: py,
      classNames: names.map((v, i) => pyString(v, `meta fine_label_names[${i}]`)),
    };
  }
  const bin = folderWith([path.join(folder, 'cifar-100-binary'), folder], ['train.bin', 'test.bin']);
  if (bin) {
    return {
      name: 'CIFAR-100',
      train: readBinaryBatch(path.join(bin, 'train.bin'), 2, 100),
      test: readBinaryBatch(path.join(bin, 'test.bin'), 2, 100),
      source: 'folder',
      folder: bin,
      classNames: readNames(path.join(bin, 'fine_label_names.txt')) ?? Array.from({ length: 100 }, (_, i) => String(i)),
    };
  }
  return null;
}

/** CIFAR-10 as torchvision downloads it (URL and MD5 from torchvision's `CIFAR10`). */
export const CIFAR10_SPEC: ArchiveDatasetSpec<RawDataset> = {
  name: 'CIFAR-10',
  folderName: 'cifar10',
  needs: `cifar-10-batches-py/ (${CIFAR10_PY.join(', ')}) or cifar-10-batches-bin/ (${CIFAR10_BIN.join(', ')})`,
  read: readCifar10,
  archives: [{ name: 'cifar-10-python.tar.gz', urls: ['https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz'], md5: 'c58f30108f718f92721af3b95e74349a' }],
};

/** CIFAR-100 as torchvision downloads it (URL and MD5 from torchvision's `CIFAR100`). */
export const CIFAR100_SPEC: ArchiveDatasetSpec<RawDataset> = {
  name: 'CIFAR-100',
  folderName: 'cifar100',
  needs: 'cifar-100-python/ (train, test, meta) or cifar-100-binary/ (train.bin, test.bin)',
  read: readCifar100,
  archives: [{ name: 'cifar-100-python.tar.gz', urls: ['https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz'], md5: 'eb9058c3a382ffc7106e4002c42a8d85' }],
};

/** Loads CIFAR-10 (folder, archive in the folder, or download; see `loadArchiveDataset`). */
export async function loadCIFAR10(options: ArchiveLoadOptions = {}): Promise<RawDataset> {
  const located = await loadArchiveDataset(CIFAR10_SPEC, options);
  return { ...located.data, source: located.source === 'download' ? 'download' : 'folder' };
}

/** Loads CIFAR-100 (fine labels; folder, archive in the folder, or download). */
export async function loadCIFAR100(options: ArchiveLoadOptions = {}): Promise<RawDataset> {
  const located = await loadArchiveDataset(CIFAR100_SPEC, options);
  return { ...located.data, source: located.source === 'download' ? 'download' : 'folder' };
}
