import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ClassificationDataset, DataLoader, GroupBalancedDataLoader, TaskBalancedDataLoader, ReplayDataLoader, MiniBatch } from 'avalanche-ts';
import { ready } from './helpers';

/** `n` samples of shape [3], all of class `cls` and task `task`. */
function group(n: number, cls: number, task = 0): ClassificationDataset {
  return new ClassificationDataset({
    images: Uint8Array.from({ length: n * 3 }, (_, i) => i % 256),
    targets: new Int32Array(n).fill(cls),
    taskLabels: new Int32Array(n).fill(task),
    sampleShape: [3],
  });
}

function drain(loader: Iterable<MiniBatch>): Array<{ y: number[]; t: number[]; shape: number[] }> {
  const out = [];
  for (const batch of loader) {
    out.push({ y: Array.from(batch[1].dataSync()), t: Array.from(batch[2].dataSync()), shape: batch[0].shape });
    tf.dispose([batch[0], batch[1], batch[2]]);
  }
  return out;
}

const count = (xs: number[], v: number) => xs.filter((x) => x === v).length;

test('DataLoader: batches, shuffling with a seed, the last smaller batch', async () => {
  await ready();
  const data = new ClassificationDataset({ images: new Uint8Array(10 * 3), targets: Int32Array.from({ length: 10 }, (_, i) => i), sampleShape: [3] });
  const plain = drain(new DataLoader(data, { batchSize: 4 }));
  assert.deepEqual(plain.map((b) => b.y), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  assert.deepEqual(plain[0].shape, [4, 3]);
  const a = drain(new DataLoader(data, { batchSize: 4, shuffle: true, seed: 5 })).flatMap((b) => b.y);
  const b = drain(new DataLoader(data, { batchSize: 4, shuffle: true, seed: 5 })).flatMap((b) => b.y);
  assert.deepEqual(a, b);
  assert.deepEqual([...a].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(new DataLoader(data, { batchSize: 4, dropLast: true }).length, 2);
  assert.throws(() => new DataLoader(data, { batchSize: 0 }), /batchSize must be an integer >= 1, got 0/);
});

test('GroupBalancedDataLoader: batchSize split over groups, remainder to the first; small groups drop out', async () => {
  await ready();
  const loader = new GroupBalancedDataLoader([group(10, 0), group(20, 1), group(40, 2)], { batchSize: 10 });
  assert.deepEqual(loader.groupBatchSizes, [4, 3, 3]);
  assert.equal(loader.length, 14);
  const batches = drain(loader);
  assert.equal(batches.length, 14);
  assert.deepEqual([0, 1, 2].map((c) => count(batches[0].y, c)), [4, 3, 3]);
  const totals = [0, 1, 2].map((c) => batches.reduce((a, b) => a + count(b.y, c), 0));
  assert.deepEqual(totals, [10, 20, 40], 'every sample once, no oversampling');
  assert.deepEqual([0, 1, 2].map((c) => count(batches[2].y, c)), [2, 3, 3]);
  assert.deepEqual([0, 1, 2].map((c) => count(batches[5].y, c)), [0, 3, 3]);
});

test('GroupBalancedDataLoader: oversampleSmallGroups restarts exhausted groups (Avalanche: the short tail of a pass, then a new pass)', async () => {
  await ready();
  const batches = drain(new GroupBalancedDataLoader([group(10, 0), group(20, 1), group(40, 2)], { batchSize: 10, oversampleSmallGroups: true, shuffle: true, seed: 1 }));
  assert.equal(batches.length, 14);
  // Group 0 (10 samples, 4 per batch) yields 4, 4, 2 per pass; group 1 (20, 3 per batch) 3 x 6, 2.
  assert.deepEqual(batches.map((b) => count(b.y, 0)), [4, 4, 2, 4, 4, 2, 4, 4, 2, 4, 4, 2, 4, 4]);
  assert.deepEqual(batches.map((b) => count(b.y, 1)), [3, 3, 3, 3, 3, 3, 2, 3, 3, 3, 3, 3, 3, 2]);
  assert.ok(batches.every((b) => count(b.y, 0) > 0 && count(b.y, 1) > 0), 'every group in every batch');
});

test('TaskBalancedDataLoader balances the task labels of one data set', async () => {
  await ready();
  const data = ClassificationDataset.concat([group(30, 5, 0), group(6, 6, 1)]);
  const batches = drain(new TaskBalancedDataLoader(data, { batchSize: 6, oversampleSmallTasks: true }));
  assert.equal(batches.length, 10);
  for (const b of batches) assert.deepEqual([count(b.t, 0), count(b.t, 1)], [3, 3]);
});

test('ReplayDataLoader: epoch set by the current data only; memory cycled; batch split', async () => {
  await ready();
  const data = group(100, 1);
  const memory = group(500, 0);
  const split = new ReplayDataLoader(data, memory, { batchSize: 20, shuffle: false });
  assert.equal(split.length, 10, '100 current samples at 10 per batch, whatever the memory size');
  const batches = drain(split);
  assert.equal(batches.length, 10);
  for (const b of batches) assert.deepEqual([count(b.y, 1), count(b.y, 0)], [10, 10]);
  // Current Avalanche: batchSize current + batchSizeMem memory; the memory is restarted when exhausted.
  const small = drain(new ReplayDataLoader(data, group(7, 0), { batchSize: 25, batchSizeMem: 5, shuffle: true, seed: 2 }));
  assert.equal(small.length, 4);
  assert.deepEqual(small.map((b) => [count(b.y, 1), count(b.y, 0)]), [[25, 5], [25, 2], [25, 5], [25, 2]]);
  // Task-balanced memory.
  const multi = ClassificationDataset.concat([group(9, 0, 0), group(9, 2, 1), group(9, 4, 2)]);
  const tb = drain(new ReplayDataLoader(data, multi, { batchSize: 10, batchSizeMem: 7, taskBalancedDataloader: true }));
  assert.deepEqual([0, 1, 2].map((t) => count(tb[0].t.slice(10), t)), [3, 2, 2]);
  for (const b of tb) assert.ok([0, 1, 2].every((t) => count(b.t.slice(10), t) > 0), 'every memory task in every batch');
});

test('loaders: bad input is a clear error', () => {
  assert.throws(() => new GroupBalancedDataLoader([]), /datasets must be a non-empty list of datasets/);
  assert.throws(() => new GroupBalancedDataLoader([group(3, 0), group(3, 1), group(3, 2)], { batchSize: 2 }), /batchSize \(2\) must be at least the number of groups \(3\)/);
  assert.throws(() => new GroupBalancedDataLoader([group(3, 0)], { batchSize: -4 }), /batchSize must be an integer >= 1, got -4/);
  assert.throws(() => new GroupBalancedDataLoader([group(3, 0), {} as never]), /datasets\[1\] is not a ClassificationDataset/);
  assert.throws(() => new ReplayDataLoader(group(3, 0), group(3, 1), { batchSizeMem: 0 }), /batchSizeMem must be an integer >= 1, got 0/);
  assert.throws(() => new ReplayDataLoader(group(3, 0), [] as never), /memory must be a ClassificationDataset/);
  assert.throws(() => new ReplayDataLoader(group(3, 0), group(3, 1), { batch_size: 3 } as never), /ReplayDataLoader: unknown option 'batch_size'/);
});
