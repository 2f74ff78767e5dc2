import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import {
  CIFAR10_SPEC,
  CIFAR_FILE_MD5,
  CORe50,
  NdArray,
  OMNIGLOT_SPEC,
  SplitOmniglot,
  SplitTinyImageNet,
  TINY_IMAGENET_SPEC,
  readTinyImageNet,
  SplitCIFAR10,
  SplitCIFAR100,
  SplitCIFAR110,
  extractTar,
  loadArchiveDataset,
  readCifar10,
  readCifar100,
  unpickle,
} from 'avalanche-ts';
import { ready, repoRoot, tempDir, withEnv } from './helpers';

const maker = path.join(repoRoot, 'test', 'make_vision_data.py');

/** Runs make_vision_data.py and returns what it printed. */
function make<T = Record<string, unknown>>(...args: string[]): T {
  return JSON.parse(execFileSync('/usr/bin/python3', [maker, ...args], { maxBuffer: 1 << 26 }).toString()) as T;
}

const md5 = (file: string) => crypto.createHash('md5').update(fs.readFileSync(file)).digest('hex');

/** Registers the MD5s of the CIFAR files a test wrote, as torchvision's table holds the real ones. */
function registerCifarFiles(root: string): void {
  for (const key of Object.keys(CIFAR_FILE_MD5)) {
    const file = path.join(root, key);
    if (fs.existsSync(file)) CIFAR_FILE_MD5[key] = md5(file);
  }
}

test('unpickle reads what Python pickles with every protocol, NumPy arrays included', () => {
  const { pickles, expected } = make<{ pickles: Array<{ protocol: number; hex: string }>; expected: Record<string, unknown> & { arrays: Record<string, { shape: number[]; values: number[] }> } }>('pickles');
  assert.ok(pickles.length >= 6);
  for (const { protocol, hex } of pickles) {
    const value = unpickle(Buffer.from(hex, 'hex'), `protocol ${protocol}`) as Record<string, unknown>;
    for (const key of ['ints', 'float', 'neg', 'text', 'none', 'flags', 'nested', 'shared']) {
      assert.deepEqual(value[key], expected[key], `protocol ${protocol}: ${key}`);
    }
    assert.deepEqual(Array.from(value.b as Uint8Array), [0, 255, 16], `protocol ${protocol}: bytes`);
    for (const [name, want] of Object.entries(expected.arrays)) {
      const array = value[name] as NdArray;
      assert.ok(array instanceof NdArray, `protocol ${protocol}: ${name} is an array`);
      assert.deepEqual(array.shape, want.shape);
      assert.deepEqual(Array.from(array.values() as ArrayLike<number | bigint>, Number), want.values, `protocol ${protocol}: ${name}`);
    }
  }
  // A pickle that would build another class is refused, naming it; so is a truncated file.
  const evil = Buffer.from("cos\nsystem\n(S'echo hi'\ntR.", 'latin1');
  assert.throws(() => unpickle(evil, 'evil.pkl'), /evil.pkl: the pickle holds a 'os.system', which this reader does not build/);
  assert.throws(() => unpickle(Buffer.from(pickles[2].hex, 'hex').subarray(0, 40), 'cut.pkl'), /cut.pkl: the file ends early/);
});

test('CIFAR-10 and CIFAR-100 read from torchvision\'s folders and the binary versions, HWC, with torchvision\'s checksums', async () => {
  await ready();
  const root = tempDir('cifar-');
  const written = make<{ train: Array<{ labels: number[]; first: number[]; first_g: number; first_b: number }> }>('cifar10-py', root);
  // The MD5s are torchvision's: files that are not the published ones are refused, naming the file.
  assert.throws(() => readCifar10(root), /batches.meta: MD5 [0-9a-f]{32}, expected 5ff9c542aee3614f3951f8cda6e48888 \(torchvision's checksum\)/);
  const saved = { ...CIFAR_FILE_MD5 };
  try {
    registerCifarFiles(root);
    const c10 = readCifar10(root)!;
    assert.equal(c10.train.labels.length, 20);
    assert.deepEqual(Array.from(c10.train.labels.subarray(0, 8)), [...written.train[0].labels, ...written.train[1].labels]);
    assert.deepEqual(c10.train.sampleShape, [32, 32, 3]);
    // Pixel (0, 0): red, green, blue from the three planes.
    assert.deepEqual(Array.from(c10.train.images.subarray(0, 3)), [written.train[0].first[0], written.train[0].first_g, written.train[0].first_b]);
    assert.equal(c10.train.images[3], written.train[0].first[1]);
    assert.equal(c10.classNames[9], 'truck');
    // The binary version holds the same images.
    make('cifar10-bin', root);
    fs.rmSync(path.join(root, 'cifar-10-batches-py'), { recursive: true });
    const bin = readCifar10(root)!;
    assert.deepEqual(bin.train.images, c10.train.images);
    assert.deepEqual(bin.test.labels, c10.test.labels);
    assert.deepEqual(bin.classNames, c10.classNames);

    const r100 = tempDir('cifar100-');
    const w100 = make<{ first: number[]; fine: number[] }>('cifar100-py', r100);
    registerCifarFiles(r100);
    const c100 = readCifar100(r100)!;
    assert.equal(c100.train.labels.length, 200);
    assert.deepEqual(Array.from(c100.train.labels.subarray(0, 10)), w100.fine);
    assert.equal(c100.classNames[42], 'class42');
    assert.equal(c100.train.images[0], w100.first[0]);
    make('cifar100-bin', r100);
    fs.rmSync(path.join(r100, 'cifar-100-python'), { recursive: true });
    const b100 = readCifar100(r100)!;
    assert.deepEqual(b100.train.images, c100.train.images);
    assert.deepEqual(b100.train.labels, c100.train.labels);

    // A labels list that does not match is named.
    assert.equal(readCifar10(tempDir('empty-')), null);
  } finally {
    Object.assign(CIFAR_FILE_MD5, saved);
  }
});

test('SplitCIFAR10/100/110: Avalanche\'s defaults (transforms, half-classes first experience, CIFAR-10 first in 110)', async () => {
  await ready();
  const root = tempDir('cifar-');
  make('cifar10-py', root);
  const r100 = tempDir('cifar100-');
  make('cifar100-py', r100);
  const saved = { ...CIFAR_FILE_MD5 };
  try {
    registerCifarFiles(root);
    registerCifarFiles(r100);
    const b = await SplitCIFAR10(5, { datasetRoot: root, seed: 1 });
    assert.equal(b.nExperiences, 5);
    assert.equal(b.trainStream[0].dataset.transformGroup, 'train');
    assert.equal(b.testStream[0].dataset.transformGroup, 'eval');
    assert.deepEqual(b.trainStream[0].dataset.inputShape, [32, 32, 3]);
    assert.deepEqual((b.trainStream[0].dataset.transforms.train!.spec as { transforms: Array<{ kind: string }> }).transforms.map((t) => t.kind), ['RandomCrop', 'RandomHorizontalFlip', 'ToTensor', 'Normalize']);
    assert.deepEqual((b.testStream[0].dataset.transforms.eval!.spec as { transforms: Array<{ kind: string }> }).transforms.map((t) => t.kind), ['ToTensor', 'Normalize']);
    const same = await SplitCIFAR10({ nExperiences: 5, datasetRoot: root, seed: 1 });
    assert.deepEqual(same.classesOrder, b.classesOrder);
    const half = await SplitCIFAR10(6, { datasetRoot: root, firstExpWithHalfClasses: true, fixedClassOrder: [9, 8, 7, 6, 5, 4, 3, 2, 1, 0] });
    assert.deepEqual(half.originalClassesInExp, [[9, 8, 7, 6, 5], [4], [3], [2], [1], [0]]);
    await assert.rejects(SplitCIFAR10(3, { datasetRoot: root }), /nExperiences must be a positive integer dividing the 10 classes; allowed values: 1, 2, 5, 10; got 3/);
    await assert.rejects(SplitCIFAR10(4, { datasetRoot: root, firstExpWithHalfClasses: true }), /leaves 5 classes for the other 3 experiences/);
    await assert.rejects(SplitCIFAR10({ nExperiences: 5, datasetroot: root } as never), /datasetroot/);
    const none = await SplitCIFAR10(2, { datasetRoot: root, trainTransform: null, evalTransform: null });
    assert.equal(none.trainStream[0].dataset.transform, null);

    await assert.rejects(SplitCIFAR100(10, { datasetRoot: r100, firstExpWithHalfClasses: true }), /leaves 50 classes for the other 9 experiences/);
    const c100b = await SplitCIFAR100(11, { datasetRoot: r100, firstExpWithHalfClasses: true, seed: 2 });
    assert.deepEqual(c100b.classesInExp.map((c) => c.length), [50, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]);
    assert.equal((c100b.testStream[0].dataset.transforms.eval!.spec as { transforms: Array<{ mean?: number[] }> }).transforms[1].mean![0], 0.5071);

    const c110 = await SplitCIFAR110(11, { datasetRootCifar10: root, datasetRootCifar100: r100, seed: 3 });
    assert.deepEqual(c110.originalClassesInExp[0], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(c110.nClasses, 110);
    assert.ok(c110.originalClassesInExp.slice(1).flat().every((c) => c >= 10 && c < 110));
    assert.equal(c110.classNames[10], 'class0');
    assert.equal(c110.trainStream[0].dataset.length, 20);
  } finally {
    Object.assign(CIFAR_FILE_MD5, saved);
  }
});

/** A file server that honours range requests (or not), and can cut a response short. */
async function rangeServer(folder: string, opts: { ranges: boolean; cutAfter?: number }): Promise<{ url: string; log: string[]; close: () => Promise<void> }> {
  const log: string[] = [];
  const server = http.createServer((req, res) => {
    const file = path.join(folder, path.basename(req.url ?? ''));
    log.push(`${req.url} ${req.headers.range ?? ''}`.trim());
    if (!fs.existsSync(file)) return void res.writeHead(404).end();
    const bytes = fs.readFileSync(file);
    const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    if (m && opts.ranges) {
      const from = Number(m[1]);
      res.writeHead(206, { 'content-range': `bytes ${from}-${bytes.length - 1}/${bytes.length}` }).end(bytes.subarray(from));
      return;
    }
    if (opts.cutAfter !== undefined) {
      res.writeHead(200, { 'content-length': String(bytes.length) });
      res.write(bytes.subarray(0, opts.cutAfter), () => res.destroy());
      return;
    }
    res.writeHead(200).end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/`, log, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test('downloads: checked, resumed, restarted, renamed when whole; archives found in the folder are extracted; offline names the files', async () => {
  await ready();
  const src = tempDir('cifar-src-');
  make('cifar10-py', src);
  const saved = { ...CIFAR_FILE_MD5 };
  const savedArchive = { ...CIFAR10_SPEC.archives[0] };
  try {
    registerCifarFiles(src);
    const served = tempDir('served-');
    make('tar', src, 'cifar-10-batches-py', path.join(served, 'cifar-10-python.tar.gz'));
    const archive = path.join(served, 'cifar-10-python.tar.gz');
    const bytes = fs.readFileSync(archive);
    CIFAR10_SPEC.archives[0].md5 = md5(archive);

    // Offline: one message naming the folder, what it must hold, and the archive with its URL.
    const empty = tempDir('offline-');
    await withEnv({ AVALANCHE_TS_OFFLINE: '1' }, async () => {
      await assert.rejects(SplitCIFAR10(5, { datasetRoot: empty }), (e: Error) => {
        assert.match(e.message, new RegExp(`CIFAR-10: not found in '${empty}' and downloads are off \\(AVALANCHE_TS_OFFLINE=1\\); put cifar-10-batches-py/ \\(data_batch_1`));
        assert.match(e.message, /or the archive cifar-10-python.tar.gz \(https:\/\/www.cs.toronto.edu\/~kriz\/cifar-10-python.tar.gz\) there/);
        return true;
      });
    });

    // A partial file is resumed with a range request; the whole file is checked, renamed and extracted.
    const server = await rangeServer(served, { ranges: true });
    try {
      const dest = tempDir('dl-');
      fs.writeFileSync(path.join(dest, 'cifar-10-python.tar.gz.part'), bytes.subarray(0, 1000));
      const b = await withEnv({ AVALANCHE_TS_OFFLINE: undefined }, () => SplitCIFAR10(5, { datasetRoot: dest, mirrors: [server.url], seed: 0 }));
      assert.equal(b.trainStream.reduce((a, e) => a + e.dataset.length, 0), 20);
      assert.equal(b.dataSource, 'download');
      assert.deepEqual(server.log, ['/cifar-10-python.tar.gz bytes=1000-']);
      assert.ok(!fs.existsSync(path.join(dest, 'cifar-10-python.tar.gz.part')));
      assert.equal(md5(path.join(dest, 'cifar-10-python.tar.gz')), md5(archive));
      // The second time, the extracted folder is read: no request.
      await SplitCIFAR10(5, { datasetRoot: dest, mirrors: [server.url] });
      assert.equal(server.log.length, 1);
    } finally {
      await server.close();
    }

    // A server that ignores ranges: the partial file is restarted, not appended to.
    const plain = await rangeServer(served, { ranges: false });
    try {
      const dest = tempDir('dl-');
      fs.writeFileSync(path.join(dest, 'cifar-10-python.tar.gz.part'), Buffer.alloc(500, 7));
      await withEnv({ AVALANCHE_TS_OFFLINE: undefined }, () => SplitCIFAR10(5, { datasetRoot: dest, mirrors: [plain.url] }));
      assert.equal(md5(path.join(dest, 'cifar-10-python.tar.gz')), md5(archive));
    } finally {
      await plain.close();
    }

    // A connection cut mid-file leaves a partial file and an error; the next call resumes it.
    const cut = await rangeServer(served, { ranges: false, cutAfter: 4096 });
    const dest = tempDir('dl-');
    try {
      await withEnv({ AVALANCHE_TS_OFFLINE: undefined }, async () => {
        await assert.rejects(SplitCIFAR10(5, { datasetRoot: dest, mirrors: [cut.url] }), /CIFAR-10: not found in .*, and the download failed \(.* at 1 mirror\)/);
      });
      assert.ok(!fs.existsSync(path.join(dest, 'cifar-10-python.tar.gz')), 'no file under the real name');
      assert.equal(fs.statSync(path.join(dest, 'cifar-10-python.tar.gz.part')).size, 4096);
    } finally {
      await cut.close();
    }
    const resume = await rangeServer(served, { ranges: true });
    try {
      await withEnv({ AVALANCHE_TS_OFFLINE: undefined }, () => SplitCIFAR10(5, { datasetRoot: dest, mirrors: [resume.url] }));
      assert.deepEqual(resume.log, ['/cifar-10-python.tar.gz bytes=4096-']);
    } finally {
      await resume.close();
    }

    // A wrong checksum: the file is refused and not kept.
    CIFAR10_SPEC.archives[0].md5 = '0'.repeat(32);
    const wrong = await rangeServer(served, { ranges: true });
    try {
      const d = tempDir('dl-');
      await withEnv({ AVALANCHE_TS_OFFLINE: undefined }, async () => {
        await assert.rejects(SplitCIFAR10(5, { datasetRoot: d, mirrors: [wrong.url] }), /download failed \(MD5 [0-9a-f]{32}, expected 0{32} at 1 mirror\)/);
      });
      assert.deepEqual(fs.readdirSync(d), []);
    } finally {
      await wrong.close();
    }
    CIFAR10_SPEC.archives[0].md5 = md5(archive);

    // The archive put in the folder by hand is checked and extracted, with no download, even offline.
    const byHand = tempDir('hand-');
    fs.copyFileSync(archive, path.join(byHand, 'cifar-10-python.tar.gz'));
    await withEnv({ AVALANCHE_TS_OFFLINE: '1' }, async () => {
      const b = await SplitCIFAR10(5, { datasetRoot: byHand });
      assert.equal(b.trainStream.length, 5);
    });

    // An archive entry that would leave the folder is refused.
    const evil = path.join(tempDir('evil-'), 'evil.tar.gz');
    make('evil-tar', evil);
    const out = tempDir('out-');
    assert.throws(() => extractTar(evil, out), /entry '..\/escaped.txt' would be written outside/);
    assert.ok(!fs.existsSync(path.join(out, '..', 'escaped.txt')));

    // The generic loader with source 'folder' never downloads.
    await assert.rejects(
      loadArchiveDataset({ name: 'X', folderName: 'x', needs: 'x/ (a)', read: () => null, archives: [{ name: 'x.zip', urls: ['http://127.0.0.1:9/x.zip'] }] }, { datasetRoot: empty, source: 'folder' }),
      /X: not found in .* and source is 'folder'; put x\/ \(a\) in/,
    );
  } finally {
    Object.assign(CIFAR_FILE_MD5, saved);
    Object.assign(CIFAR10_SPEC.archives[0], savedArchive);
  }
});

test('Tiny ImageNet: wnids order, JPEGs decoded as RGB (grey ones too), the validation set as test set, from the folder or its zip', async () => {
  await ready();
  const root = tempDir('tiny-');
  const written = make<{ train: Record<string, number[][]>; val: string[] }>('tinyimagenet', root, 'zip');
  const raw = readTinyImageNet(root)!;
  assert.deepEqual(raw.classNames, ['goldfish', 'European fire salamander', 'bullfrog']);
  assert.deepEqual(Array.from(raw.train.labels), [0, 0, 0, 1, 1, 1, 2, 2, 2]);
  assert.deepEqual(raw.train.sampleShape, [64, 64, 3]);
  // The test set class by class, as Avalanche lists it.
  assert.deepEqual(Array.from(raw.test.labels), [0, 0, 1, 1, 2, 2]);
  // jpeg-js and PIL's libjpeg decode the same (4:4:4) file to within a few levels (their IDCTs round differently).
  const pil = written.train.n01443537[0];
  const ours = Array.from(raw.train.images.subarray(0, 2 * 3)).concat(Array.from(raw.train.images.subarray(64 * 3, 64 * 3 + 6)));
  assert.ok(ours.every((v, i) => Math.abs(v - pil[i]) <= 3), `decoded ${ours} vs PIL ${pil}`);
  // A grey JPEG is read as three equal channels.
  const g = raw.test.images.subarray(0, 3);
  assert.ok(g[0] === g[1] && g[1] === g[2]);
  const b = await SplitTinyImageNet(3, { datasetRoot: root });
  assert.equal(b.nExperiences, 3);
  assert.deepEqual(b.classesOrder, (await SplitTinyImageNet(3, { datasetRoot: root })).classesOrder, 'seed 0 by default, as Avalanche');
  assert.deepEqual((b.trainStream[0].dataset.transforms.train!.spec as { transforms: Array<{ kind: string }> }).transforms.map((t) => t.kind), ['RandomHorizontalFlip', 'ToTensor', 'Normalize']);
  await assert.rejects(SplitTinyImageNet(2, { datasetRoot: root }), /allowed values: 1, 3/);

  // Only the zip in the folder: checked and extracted, offline.
  const zipOnly = tempDir('tinyzip-');
  fs.copyFileSync(path.join(root, 'tiny-imagenet-200.zip'), path.join(zipOnly, 'tiny-imagenet-200.zip'));
  const saved = TINY_IMAGENET_SPEC.archives[0].md5;
  try {
    await withEnv({ AVALANCHE_TS_OFFLINE: '1' }, async () => {
      await assert.rejects(SplitTinyImageNet(3, { datasetRoot: zipOnly }), /'.*tiny-imagenet-200.zip' is not the published archive \(MD5 [0-9a-f]{32}, expected 90528d7ca1a48142e341f4ef8d21d0de\)/);
      TINY_IMAGENET_SPEC.archives[0].md5 = md5(path.join(zipOnly, 'tiny-imagenet-200.zip'));
      const z = await SplitTinyImageNet(3, { datasetRoot: zipOnly });
      assert.equal(z.trainStream.reduce((a, e) => a + e.dataset.length, 0), 9);
    });
  } finally {
    TINY_IMAGENET_SPEC.archives[0].md5 = saved;
  }
});

test('SplitOmniglot: the background characters in torchvision\'s order, each one\'s last drawings held out for testing', async () => {
  await ready();
  const root = tempDir('omniglot-');
  make('omniglot', root, 'zip');
  const b = await SplitOmniglot(3, { datasetRoot: root, seed: 1 });
  assert.equal(b.nClasses, 3);
  assert.deepEqual(b.classNames, ['Alphabet_of_the_Magi/character01', 'Alphabet_of_the_Magi/character02', 'Latin/character01']);
  const train = b.trainStream.reduce((a, e) => a + e.dataset.length, 0);
  const testN = b.testStream.reduce((a, e) => a + e.dataset.length, 0);
  assert.equal(train, 45);
  assert.equal(testN, 15);
  // Test samples are the drawings 16-20 of the same characters as the training ones.
  for (let e = 0; e < 3; e++) assert.deepEqual(b.testStream[e].classesInThisExperience, b.trainStream[e].classesInThisExperience);
  const ds = b.trainStream[0].dataset;
  assert.deepEqual(ds.sampleShape, [105, 105]);
  assert.ok(ds.images.every((v) => v === 0 || v === 255), '1-bit drawings read as 0 / 255');
  const spec = (ds.transforms.eval!.spec as { transforms: Array<{ mean?: number[] }> }).transforms[1];
  assert.deepEqual(spec.mean, [0.9221]);
  await assert.rejects(SplitOmniglot(3, { datasetRoot: root, testDrawingsPerClass: 20 }), /has 20 drawings; testDrawingsPerClass \(20\) must leave some/);

  // From the two zips only (as torchvision downloads them), offline.
  const zips = tempDir('omnizip-');
  for (const z of ['images_background.zip', 'images_evaluation.zip']) fs.copyFileSync(path.join(root, 'omniglot-py', z), path.join(zips, z));
  const saved = OMNIGLOT_SPEC.archives.map((a) => a.md5);
  try {
    OMNIGLOT_SPEC.archives.forEach((a) => (a.md5 = md5(path.join(zips, a.name))));
    await withEnv({ AVALANCHE_TS_OFFLINE: '1' }, async () => {
      const z = await SplitOmniglot(3, { datasetRoot: zips, seed: 1 });
      assert.deepEqual(z.classesOrder, b.classesOrder);
      assert.deepEqual(z.trainStream[0].dataset.images, ds.images);
    });
  } finally {
    OMNIGLOT_SPEC.archives.forEach((a, i) => (a.md5 = saved[i]));
  }
});

test('CORe50: scenarios from the file lists, one complete test experience, object or category labels', async () => {
  await ready();
  const root = tempDir('core50-');
  const written = make<{ train: string[]; test: string[]; order: number[]; first: number[] }>('core50', root);
  const ni = await CORe50({ scenario: 'ni', mini: true, datasetRoot: root });
  assert.equal(ni.nExperiences, 8);
  assert.equal(ni.testStream.length, 1);
  assert.equal(ni.nClasses, 50);
  assert.equal(ni.testStream[0].dataset.length, written.test.length);
  assert.deepEqual(ni.trainStream[0].dataset.sampleShape, [32, 32, 3]);
  assert.deepEqual(Array.from(ni.trainStream[0].dataset.images.subarray(0, 6)), written.first);
  assert.equal(ni.trainStream[0].dataset.transformGroup, 'train');
  assert.equal(ni.testStream[0].dataset.transformGroup, 'eval');
  assert.deepEqual(ni.testStream[0].classesInThisExperience, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const niCat = await CORe50({ scenario: 'ni', mini: true, objectLvl: false, datasetRoot: root });
  assert.equal(niCat.nClasses, 10);
  assert.deepEqual(niCat.testStream[0].classesInThisExperience, [0, 1]);
  // nc: object labels renumbered per run; categories through labels2names.pkl.
  const nc = await CORe50({ scenario: 'nc', mini: true, datasetRoot: root });
  assert.deepEqual(nc.classesInExp[0], [0, 1]);
  const ncCat = await CORe50({ scenario: 'nc', mini: true, objectLvl: false, datasetRoot: root });
  const objectOf = (relabelled: number) => written.order[relabelled];
  assert.deepEqual(ncCat.classesInExp[0], [...new Set([0, 1].map((r) => Math.floor(objectOf(r) / 5)))].sort());
  assert.deepEqual(nc.classesInExp.map((c) => c.length), [2, 1, 1, 1, 1, 1, 1, 1, 1]);
  const nic = await CORe50({ scenario: 'nicv2_79', mini: true, datasetRoot: root });
  assert.equal(nic.nExperiences, 79);
  await assert.rejects(CORe50({ scenario: 'nicv2_79', run: 10, mini: true, datasetRoot: root }), /run must be one of the 10 predefined runs, 0..9; got 10/);
  await assert.rejects(CORe50({ scenario: 'xx' as 'ni', datasetRoot: root }), /scenario must be one of 'ni', 'nc', 'nic', 'nicv2_79', 'nicv2_196', 'nicv2_391'; got 'xx'/);
  await withEnv({ AVALANCHE_TS_OFFLINE: '1' }, async () => {
    await assert.rejects(CORe50({ scenario: 'nic', mini: true, datasetRoot: root }), /CORe50: not found in '.*' and downloads are off \(AVALANCHE_TS_OFFLINE=1\); put core50_32x32\/ and batches_filelists\/NIC_inc\/run0\/ .* or the archives core50_32x32.zip \(http:\/\/vps.continualai.org\/data\/core50_32x32.zip\), batches_filelists.zip/);
  });
});
