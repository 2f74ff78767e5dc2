import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { ClassificationDataset, PermutedMNIST, RotatedMNIST, SplitMNIST, SplitFMNIST, rotateImages } from 'avalanche-ts';

const quiet = { source: 'bundled' as const };

test('SplitMNIST: 5 experiences of 2 disjoint classes covering 0..9, test stream aligned', async () => {
  const b = await SplitMNIST({ nExperiences: 5, seed: 1, ...quiet });
  assert.equal(b.nClasses, 10);
  assert.equal(b.trainStream.length, 5);
  assert.equal(b.testStream.length, 5);
  assert.equal(b.trainStream.name, 'train');
  assert.equal(b.testStream.name, 'test');
  const all = b.trainStream.flatMap((e) => e.classesInThisExperience);
  assert.deepEqual([...all].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  let total = 0;
  b.trainStream.forEach((e, i) => {
    assert.equal(e.currentExperience, i);
    assert.equal(e.taskLabel, 0);
    assert.deepEqual(e.dataset.classes, e.classesInThisExperience);
    assert.deepEqual(b.testStream[i].classesInThisExperience, e.classesInThisExperience);
    assert.deepEqual(b.testStream[i].dataset.classes, e.classesInThisExperience);
    assert.deepEqual(e.previousClasses, b.trainStream.slice(0, i).flatMap((x) => x.classesInThisExperience).sort((x, y) => x - y), 'as Avalanche lists them: ascending');
    assert.deepEqual(e.futureClasses, b.trainStream.slice(i + 1).flatMap((x) => x.classesInThisExperience).sort((x, y) => x - y));
    total += e.dataset.length;
  });
  assert.equal(total, 7996);
  assert.equal(b.testStream.reduce((a, e) => a + e.dataset.length, 0), 2004);
  assert.deepEqual(b.trainStream[0].dataset.normalization, { mean: 0.1307, std: 0.3081 });
});

test('SplitMNIST: seed fixes the class order; shuffle false and fixedClassOrder', async () => {
  const a = await SplitMNIST({ seed: 7, ...quiet });
  const b = await SplitMNIST({ seed: 7, ...quiet });
  const c = await SplitMNIST({ seed: 8, ...quiet });
  assert.deepEqual(a.classesOrder, b.classesOrder);
  assert.notDeepEqual(a.classesOrder, c.classesOrder);
  const plain = await SplitMNIST({ shuffle: false, ...quiet });
  assert.deepEqual(plain.trainStream.map((e) => e.classesInThisExperience), [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]);
  const fixed = await SplitMNIST({ nExperiences: 2, fixedClassOrder: [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], ...quiet });
  assert.deepEqual(fixed.trainStream.map((e) => e.classesInThisExperience), [[5, 6, 7, 8, 9], [0, 1, 2, 3, 4]]);
});

test('SplitMNIST(5, { returnTaskId: true }): task label = experience index, classes relabelled from 0 in each experience (Avalanche 0.1)', async () => {
  const b = await SplitMNIST(5, { returnTaskId: true, shuffle: false, ...quiet });
  b.trainStream.forEach((e, i) => {
    assert.equal(e.taskLabel, i);
    assert.deepEqual(e.taskLabels, [i]);
    assert.ok(e.dataset.taskLabels.every((t) => t === i));
    assert.deepEqual(e.classesInThisExperience, [0, 1]);
    assert.deepEqual(b.originalClassesInExp[i], [2 * i, 2 * i + 1]);
    assert.ok(e.dataset.targets.every((t) => t === 0 || t === 1));
  });
  assert.ok(b.testStream[3].dataset.taskLabels.every((t) => t === 3));
  const kept = await SplitMNIST(5, { returnTaskId: true, shuffle: false, classIdsFromZeroInEachExp: false, ...quiet });
  assert.deepEqual(kept.trainStream[2].classesInThisExperience, [4, 5]);
});

test('SplitMNIST: class id remapping options', async () => {
  const perExp = await SplitMNIST({ fixedClassOrder: [3, 1, 9, 2, 0, 8, 6, 5, 7, 4], classIdsFromZeroInEachExp: true, returnTaskId: true, ...quiet });
  perExp.trainStream.forEach((e) => {
    assert.deepEqual(e.classesInThisExperience, [0, 1]);
    assert.deepEqual(e.dataset.classes, [0, 1]);
  });
  // Class 3 came first in the order: it is class 0 of experience 0.
  const exp0 = perExp.trainStream[0].dataset;
  const firstOrig = [3, 1];
  assert.equal(exp0.targets.filter((t) => t === 0).length, exp0.targets.length - exp0.targets.filter((t) => t === 1).length);
  assert.deepEqual(perExp.originalClassesInExp[0], firstOrig);
  const fromFirst = await SplitMNIST({ fixedClassOrder: [3, 1, 9, 2, 0, 8, 6, 5, 7, 4], classIdsFromZeroFromFirstExp: true, ...quiet });
  assert.deepEqual(fromFirst.trainStream.map((e) => e.classesInThisExperience), [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]);
});

test('SplitMNIST: bad options are clear errors before any data is loaded', async () => {
  await assert.rejects(SplitMNIST({ nExperiences: 0 }), /nExperiences must be a positive integer dividing the 10 classes; allowed values: 1, 2, 5, 10; got 0/);
  await assert.rejects(SplitMNIST({ nExperiences: 3 }), /allowed values: 1, 2, 5, 10; got 3/);
  await assert.rejects(SplitMNIST({ nExperiences: 11 }), /got 11/);
  await assert.rejects(SplitMNIST({ fixedClassOrder: [0, 1, 2, 3, 4, 5, 6, 7, 8, 12] }), /fixedClassOrder must be a permutation of the classes \[0, 1, 2, 3, 4, 5, 6, 7, 8, 9\].*unknown classes: 12/);
  await assert.rejects(SplitMNIST({ fixedClassOrder: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as never }), /fixedClassOrder must hold integer class ids \(numbers\) from \[0, 1, 2, 3, 4, 5, 6, 7, 8, 9\]; got '0' \(a string\), '1' \(a string\), '2' \(a string\), .../);
  await assert.rejects(SplitMNIST({ fixedClassOrder: [0, 1, 2, 3, 4, 5, 6, 7, 8, 8] }), /repeated classes: 8/);
  await assert.rejects(SplitMNIST({ nExperience: 5 } as never), /SplitMNIST: unknown option 'nExperience'; allowed options: nExperiences, /);
  await assert.rejects(SplitFMNIST({ nExperiences: 4 }), /allowed values: 1, 2, 5, 10; got 4/);
});

test('SplitFMNIST: full Fashion-MNIST in 5 experiences', async () => {
  const b = await SplitFMNIST({ nExperiences: 5, seed: 0, datasetRoot: '/usr/share/datasets/fashion-mnist', source: 'folder' });
  assert.equal(b.trainStream.reduce((a, e) => a + e.dataset.length, 0), 60000);
  assert.equal(b.trainStream[0].dataset.length, 12000);
  assert.equal(b.classNames[0], 'T-shirt/top');
});

test('PermutedMNIST: every experience (the first too) has its own fixed pixel permutation, the same for train and test; task label = experience', async () => {
  const plain = await SplitMNIST({ nExperiences: 1, shuffle: false, ...quiet });
  const b = await PermutedMNIST({ nExperiences: 3, seed: 5, ...quiet });
  assert.equal(b.nExperiences, 3);
  assert.equal(b.nClasses, 10);
  const original = plain.trainStream[0].dataset;
  const sorted = (d: ClassificationDataset, i: number) => Array.from(d.images.subarray(i * 784, (i + 1) * 784)).sort((x, y) => x - y).join();
  b.trainStream.forEach((e, k) => {
    assert.equal(e.taskLabel, k);
    assert.deepEqual(e.classesInThisExperience, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const perm = b.permutations[k];
    assert.ok(perm.some((p, j) => p !== j), `experience ${k} is not permuted`);
    for (const i of [0, 17, 4000]) {
      const row = e.dataset.images.subarray(i * 784, (i + 1) * 784);
      assert.ok(row.every((v, j) => v === original.images[i * 784 + perm[j]]), `train sample ${i} of experience ${k}`);
      assert.equal(sorted(e.dataset, i), sorted(original, i));
    }
    const test = b.testStream[k].dataset;
    const src = plain.testStream[0].dataset;
    assert.ok(test.images.subarray(0, 784).every((v, j) => v === src.images[perm[j]]), 'the test data uses the same permutation');
  });
  assert.notDeepEqual(b.permutations[0], b.permutations[1]);
  const again = await PermutedMNIST(3, { seed: 5, ...quiet });
  assert.deepEqual(again.permutations, b.permutations, 'the seed fixes the permutations');
  await assert.rejects(PermutedMNIST({ nExperiences: 0, ...quiet }), /nExperiences must be an integer >= 1, got 0/);
  await assert.rejects(PermutedMNIST({ rotationsList: [1] } as never), /PermutedMNIST: unknown option 'rotationsList'/);
});

test('RotatedMNIST rotates exactly as torchvision\'s RandomRotation on PIL images (compared with PIL for every angle -180..180)', async () => {
  const pixels = Uint8Array.from({ length: 784 }, (_, i) => (i * 37 + (i >> 3) * 11) % 256);
  const angles = Array.from({ length: 361 }, (_, i) => i - 180);
  const script = [
    'import sys, json',
    'from PIL import Image',
    'd = json.load(sys.stdin)',
    "img = Image.frombytes('L', (28, 28), bytes(d['pixels']))",
    "print(json.dumps([list(img.rotate(a, resample=Image.NEAREST).tobytes()) for a in d['angles']]))",
  ].join('\n');
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify({ pixels: Array.from(pixels), angles }), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `PIL is needed for this test (Debian's python3-pil, see README): ${r.stderr}`);
  const pil: number[][] = JSON.parse(r.stdout);
  angles.forEach((a, k) => {
    const ours = rotateImages(pixels, 28, 28, a);
    const wrong = ours.reduce((n, v, i) => n + (v !== pil[k][i] ? 1 : 0), 0);
    assert.equal(wrong, 0, `angle ${a}: ${wrong} pixels differ from PIL`);
  });
  const b = await RotatedMNIST({ nExperiences: 2, rotationsList: [90, -30], ...quiet });
  assert.deepEqual(b.rotations, [90, -30]);
  const plain = await SplitMNIST({ nExperiences: 1, shuffle: false, ...quiet });
  const first = plain.testStream[0].dataset.images.subarray(0, 784);
  assert.deepEqual(b.testStream[1].dataset.images.subarray(0, 784), rotateImages(first, 28, 28, -30));
  const seeded = await RotatedMNIST({ nExperiences: 4, seed: 2, ...quiet });
  assert.ok(seeded.rotations.every((a) => Number.isInteger(a) && a >= -180 && a <= 180));
  await assert.rejects(RotatedMNIST({ nExperiences: 2, rotationsList: [10] }), /rotationsList must hold one angle per experience \(2\), got 1 angles/);
  await assert.rejects(RotatedMNIST({ nExperiences: 1, rotationsList: [200] }), /every angle must be a number of degrees in \[-180, 180\], got 200/);
});
