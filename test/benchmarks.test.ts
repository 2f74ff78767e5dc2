import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SplitMNIST, SplitFMNIST } from 'avalanche-ts';

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
    assert.deepEqual(e.previousClasses, b.trainStream.slice(0, i).flatMap((x) => x.classesInThisExperience));
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
