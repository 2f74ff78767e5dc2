import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  ClassificationDataset, ReservoirSamplingBuffer, ParametricBuffer, ClassBalancedBuffer, ExperienceBalancedBuffer,
  RandomExemplarsSelectionStrategy, HerdingSelectionStrategy, ClosestToCenterSelectionStrategy, SplitMNIST, CLModel,
} from 'avalanche-ts';
import { ready } from './helpers';

/** A tiny experience: `n` samples of shape [2] with the given classes in turn, ids from `firstId`. */
function experience(index: number, n: number, classes: number[], firstId: number) {
  const images = new Uint8Array(n * 2);
  for (let i = 0; i < n; i++) {
    images[2 * i] = (firstId + i) % 256;
    images[2 * i + 1] = (i * 37) % 256;
  }
  const dataset = new ClassificationDataset({
    images,
    targets: Int32Array.from({ length: n }, (_, i) => classes[i % classes.length]),
    taskLabels: new Int32Array(n).fill(index),
    sampleIds: Int32Array.from({ length: n }, (_, i) => firstId + i),
    experienceIds: new Int32Array(n).fill(index),
    sampleShape: [2],
  });
  return { dataset, currentExperience: index };
}

test('ReservoirSamplingBuffer keeps every sample seen with probability maxSize/seen (chi-square over 2,000 seeded runs)', () => {
  const runs = 2000;
  const total = 50;
  const counts = new Array(total).fill(0);
  const countsAfter2 = new Array(20).fill(0);
  for (let r = 0; r < runs; r++) {
    const buffer = new ReservoirSamplingBuffer(10, { seed: r });
    for (let e = 0; e < 5; e++) {
      buffer.update({ experience: experience(e, 10, [e], e * 10) });
      if (e === 1) buffer.buffer.sampleIds.forEach((id) => countsAfter2[id]++);
      assert.equal(buffer.buffer.length, 10);
    }
    buffer.buffer.sampleIds.forEach((id) => counts[id]++);
  }
  const chi2 = (observed: number[], expected: number) => observed.reduce((a, o) => a + (o - expected) ** 2 / expected, 0);
  // Critical values at p = 0.001: 49 degrees of freedom 85.35; 19 degrees of freedom 43.82.
  const final = chi2(counts, (runs * 10) / total);
  const early = chi2(countsAfter2, (runs * 10) / 20);
  assert.ok(final < 85.35, `chi-square after 5 experiences ${final.toFixed(1)} (counts ${counts})`);
  assert.ok(early < 43.82, `chi-square after 2 experiences ${early.toFixed(1)}`);
  // The test can fail: a buffer that keeps the newest samples is far off.
  const biased = new Array(total).fill(0);
  for (let id = 40; id < 50; id++) biased[id] = runs;
  assert.ok(chi2(biased, (runs * 10) / total) > 1000);
});

test('ReservoirSamplingBuffer: stored as fresh flat arrays with targets, task labels, experience and original index', () => {
  const buffer = new ReservoirSamplingBuffer(6, { seed: 1 });
  assert.equal(buffer.buffer.length, 0);
  buffer.update({ experience: experience(0, 4, [7], 100) });
  buffer.update({ experience: experience(1, 4, [8], 200) });
  const b = buffer.buffer;
  assert.equal(b.length, 6);
  assert.ok(b.images instanceof Uint8Array && b.images.length === 12 && b.images.byteOffset === 0);
  for (let i = 0; i < b.length; i++) {
    const id = b.sampleIds[i];
    const exp = id >= 200 ? 1 : 0;
    assert.equal(b.experienceIds[i], exp);
    assert.equal(b.taskLabels[i], exp);
    assert.equal(b.targets[i], exp ? 8 : 7);
    assert.equal(b.images[2 * i], id % 256, 'pixels travel with their sample');
  }
});

test('resize shrinks to the kept weights and grows back on the next update', () => {
  const buffer = new ReservoirSamplingBuffer(10, { seed: 3 });
  buffer.update({ experience: experience(0, 20, [0], 0) });
  const before = new Set(buffer.buffer.sampleIds);
  buffer.resize({}, 4);
  assert.equal(buffer.maxSize, 4);
  assert.equal(buffer.buffer.length, 4);
  assert.ok([...buffer.buffer.sampleIds].every((id) => before.has(id)));
  buffer.resize({}, 30);
  assert.equal(buffer.buffer.length, 4);
  buffer.update({ experience: experience(1, 20, [1], 100) });
  assert.equal(buffer.buffer.length, 24);
});

test('ParametricBuffer(30, class) on SplitMNIST ends with 3 per class; groups and quotas', async () => {
  const b = await SplitMNIST(5, { seed: 1, source: 'bundled' });
  const buffer = new ParametricBuffer({ maxSize: 30, groupby: 'class', selectionStrategy: new RandomExemplarsSelectionStrategy({ seed: 1 }) });
  const sizes: number[][] = [];
  for (const exp of b.trainStream) {
    buffer.update({ experience: exp });
    sizes.push([...buffer.bufferGroups.values()].map((g) => g.buffer.length));
    assert.equal(buffer.buffer.length, 30);
  }
  assert.deepEqual(sizes[0], [15, 15]);
  assert.deepEqual(sizes[1].sort(), [7, 7, 8, 8].sort());
  assert.deepEqual(sizes[4], new Array(10).fill(3));
  for (const [cls, group] of buffer.bufferGroups) assert.ok(group.buffer.targets.every((t) => t === cls));
  // Quotas: the remainder goes to the first (lowest) group ids.
  assert.deepEqual(buffer.getGroupLengths(4), [8, 8, 7, 7]);
  buffer.resize({}, 21);
  assert.deepEqual([...buffer.bufferGroups.keys()].sort((x, y) => x - y).map((k) => buffer.bufferGroups.get(k)!.buffer.length), [3, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
});

test('ParametricBuffer groupby experience, task and none; balanced buffers', () => {
  const byExp = new ParametricBuffer({ maxSize: 10, groupby: 'experience', seed: 1 });
  const byTask = new ParametricBuffer({ maxSize: 10, groupby: 'task', seed: 1 });
  const none = new ParametricBuffer({ maxSize: 10, seed: 1 });
  const classes = new ClassBalancedBuffer({ maxSize: 12, seed: 1 });
  const exps = new ExperienceBalancedBuffer({ maxSize: 12, seed: 1 });
  const fixed = new ExperienceBalancedBuffer({ maxSize: 12, adaptiveSize: false, totalNumGroups: 4, seed: 1 });
  for (let e = 0; e < 3; e++) {
    const state = { experience: experience(e, 20, [2 * e, 2 * e + 1], 100 * e) };
    for (const buf of [byExp, byTask, none, classes, exps, fixed]) buf.update(state);
  }
  assert.deepEqual([...byExp.bufferGroups.values()].map((g) => g.buffer.length), [4, 3, 3]);
  assert.deepEqual([...byTask.bufferGroups.values()].map((g) => g.buffer.length), [4, 3, 3]);
  assert.deepEqual([...none.bufferGroups.keys()], [0]);
  assert.equal(none.buffer.length, 10);
  assert.deepEqual([...classes.bufferGroups.values()].map((g) => g.buffer.length), [2, 2, 2, 2, 2, 2]);
  assert.deepEqual([...exps.bufferGroups.values()].map((g) => g.buffer.length), [4, 4, 4]);
  assert.deepEqual([...fixed.bufferGroups.values()].map((g) => g.buffer.length), [3, 3, 3]);
  for (const [e, group] of byExp.bufferGroups) assert.ok(group.buffer.experienceIds.every((x) => x === e));
});

/** A model whose features are its inputs (for checking feature-based selection by hand). */
function identityModel(): CLModel {
  return {
    forward: (x) => x, getFeatures: (x) => tf.clone(x), trainableVariables: [], training: true,
    train() { this.training = true; }, eval() { this.training = false; }, dispose() {},
  };
}

test('ClosestToCenter and Herding rank by features', async () => {
  await ready();
  // 1-D features (second pixel 0): values 0, 10, 20, 100, 200 → mean 66.
  const data = new ClassificationDataset({
    images: Uint8Array.from([0, 0, 10, 0, 20, 0, 100, 0, 200, 0]),
    targets: new Int32Array(5),
    sampleShape: [2],
    normalization: { mean: 0, std: 1 / 255 },
  });
  const model = identityModel();
  assert.deepEqual(new ClosestToCenterSelectionStrategy(model).makeSortedIndices({}, data), [3, 2, 1, 0, 4]);
  // Herding: first the closest to the mean (100, index 3); then the one making the mean of the picks
  // closest to 66: (100+20)/2 = 60 beats (100+10)/2 = 55 and (100+0)/2 = 50 and (100+200)/2 = 150.
  const herding = new HerdingSelectionStrategy(model).makeSortedIndices({}, data);
  assert.ok(Array.isArray(herding), 'synchronous on a host backend (wasm, cpu)');
  if (!Array.isArray(herding)) return;
  assert.deepEqual(herding.slice(0, 2), [3, 2]);
  assert.deepEqual([...herding].sort(), [0, 1, 2, 3, 4]);
  assert.equal(model.training, true, 'the model goes back to training mode');
  const buffer = new ParametricBuffer({ maxSize: 2, selectionStrategy: new ClosestToCenterSelectionStrategy(model) });
  assert.equal(buffer.update({ experience: { dataset: data } }), undefined, 'synchronous on a host backend');
  assert.deepEqual([...buffer.buffer.images.filter((_, i) => i % 2 === 0)], [100, 20]);
});

test('storage policies: bad input is a clear error', () => {
  assert.throws(() => new ReservoirSamplingBuffer(-1), /maxSize must be a non-negative integer, got -1/);
  assert.throws(() => new ParametricBuffer({ maxSize: 1.5 }), /maxSize must be a non-negative integer, got 1.5/);
  assert.throws(() => new ParametricBuffer({ maxSize: 10, groupby: 'label' as never }), /groupby must be one of null, 'class', 'task', 'experience'; got 'label'/);
  assert.throws(() => new ParametricBuffer({ maxSize: 10, group_by: 'class' } as never), /ParametricBuffer: unknown option 'group_by'/);
  assert.throws(() => new ReservoirSamplingBuffer(10).update({} as never), /state must have an experience with a dataset/);
  assert.throws(() => new ParametricBuffer({ maxSize: 10 }).update({ experience: null }), /state must have an experience with a dataset/);
  const noFeatures = { ...identityModel(), getFeatures: undefined };
  assert.throws(() => new HerdingSelectionStrategy(noFeatures), /HerdingSelectionStrategy: model must have getFeatures\(x\)/);
  assert.throws(() => new ClassBalancedBuffer({ maxSize: 10, adaptiveSize: false }), /totalNumGroups must be a positive integer when adaptiveSize is false/);
  assert.throws(() => new ReservoirSamplingBuffer(5).resize({}, -2), /newSize must be a non-negative integer, got -2/);
});
