import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  ClassificationDataset,
  Compose,
  DataLoader,
  ImageSample,
  Lambda,
  Normalize,
  RandomCrop,
  RandomHorizontalFlip,
  Random,
  ReplayDataLoader,
  Resize,
  ToTensor,
  batchesSentToWorker,
} from 'avalanche-ts';
import { ready, repoRoot, withEnv } from './helpers';

const H = 5;
const W = 7;
const C = 3;
const image = Uint8Array.from({ length: H * W * C }, (_, i) => (i * 37 + 11) % 256);

/** A generator stand-in whose `int` returns the given values in turn and whose `next` returns `u`. */
function scripted(ints: number[], u = 0): Random {
  let k = 0;
  return { int: () => ints[k++], next: () => u } as unknown as Random;
}

function sample(): ImageSample {
  return { data: Float32Array.from(image), shape: [H, W, C], scaled: false };
}

function close(actual: Float32Array, expected: number[], where: string): void {
  assert.equal(actual.length, expected.length, `${where}: length`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst < 1e-5, `${where}: max difference ${worst}`);
}

test('transforms agree with the operations torchvision defines them by (computed by PyTorch)', () => {
  const cases: Array<Record<string, unknown>> = [
    { kind: 'normalize', mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] },
    ...(['constant', 'edge', 'reflect', 'symmetric'] as const).flatMap((mode) => [
      { kind: 'crop', mode, padding: [2, 1, 3, 2], fill: mode === 'constant' ? 9 : 0, size: [6, 8], i: 0, j: 4 },
      { kind: 'crop', mode, padding: [2, 1, 3, 2], fill: 0, size: [4, 5], i: 3, j: 1 },
    ]),
    { kind: 'flip' },
    { kind: 'resize', size: [9, 4] },
    { kind: 'resize', size: [3, 4] },
  ];
  const torch = JSON.parse(
    execFileSync('/usr/bin/python3', [path.join(repoRoot, 'test', 'transforms_torch.py')], { input: JSON.stringify({ image: Array.from(image), shape: [H, W, C], cases }) }).toString(),
  ) as Array<{ shape: number[]; data: number[] }>;
  const toTensor = new ToTensor();
  cases.forEach((c, k) => {
    let out: ImageSample;
    if (c.kind === 'normalize') out = new Compose([toTensor, new Normalize(c.mean as number[], c.std as number[])]).apply(sample(), scripted([]));
    else if (c.kind === 'crop') {
      const crop = new RandomCrop(c.size as [number, number], { padding: c.padding as [number, number, number, number], paddingMode: c.mode as 'edge', fill: c.fill as number });
      out = toTensor.apply(crop.apply(sample(), scripted([c.i as number, c.j as number])));
    } else if (c.kind === 'flip') out = toTensor.apply(new RandomHorizontalFlip(0.5).apply(sample(), scripted([], 0.2)));
    else out = toTensor.apply(new Resize(c.size as [number, number]).apply(sample()));
    assert.deepEqual(out.shape, torch[k].shape, `case ${k} (${c.kind}) shape`);
    close(out.data, torch[k].data, `case ${k} (${JSON.stringify(c)})`);
  });
  // Not flipped when the draw is >= p; Resize with one number resizes the smaller edge.
  assert.deepEqual(Array.from(new RandomHorizontalFlip(0.5).apply(sample(), scripted([], 0.7)).data), Array.from(image));
  assert.deepEqual(new Resize(10).outputShape([H, W, C]), [10, 14, 3]);
});

test('transforms: bad arguments and chains are errors that say what to do', () => {
  assert.throws(() => new Normalize([0.5, 0.5], [0.2]), /Normalize: std must be positive numbers, as many as mean \(2\)/);
  assert.throws(() => new Normalize(0.5, 0).apply({ ...sample(), scaled: true }), /std must be positive/);
  assert.throws(() => new Normalize(0.5, 0.2).apply(sample()), /put ToTensor\(\) before Normalize/);
  assert.throws(() => new Compose([new ToTensor(), new ToTensor()]).apply(sample(), scripted([])), /ToTensor appears twice/);
  assert.throws(() => new RandomCrop(32, { padding: -1 }), /padding must be a non-negative integer/);
  assert.throws(() => new RandomCrop(32, { paddingMode: 'wrap' as 'edge' }), /paddingMode must be one of constant, edge, reflect, symmetric/);
  assert.throws(() => new RandomCrop(32, { pad: 4 } as never), /unknown option pad; allowed: padding, fill, paddingMode, padIfNeeded/);
  assert.throws(() => new RandomHorizontalFlip(2), /p must be a probability in \[0, 1\], got 2/);
  assert.throws(() => new Resize(0), /Resize: size must be an integer >= 1/);
  const images = new Uint8Array(2 * 4 * 4 * 3);
  const base = { images, targets: Int32Array.from([0, 1]), sampleShape: [4, 4, 3] };
  assert.throws(() => new ClassificationDataset({ ...base, transforms: { train: new RandomCrop(6) } }), /crop 6x6 is larger than the padded image 4x4/);
  assert.throws(() => new ClassificationDataset({ ...base, transforms: { train: new RandomHorizontalFlip() } }), /has no ToTensor\(\)/);
  assert.throws(() => new ClassificationDataset({ ...base, transforms: { eval: new Compose([new ToTensor(), new Normalize([0.5, 0.5], [1, 1])]) } }), /2 means and stds for an image of 3 channels/);
  assert.throws(
    () => new ClassificationDataset({ ...base, transforms: { train: new Compose([new Resize([2, 2]), new ToTensor()]), eval: new ToTensor() } }),
    /the train transform gives inputs of shape \[2,2,3\] but the eval transform \[4,4,3\]/,
  );
  const a = new ClassificationDataset({ ...base, transforms: { train: new ToTensor() } });
  const b = new ClassificationDataset({ ...base, transforms: { train: new Compose([new ToTensor(), new Normalize(0.5, 0.5)]) } });
  assert.throws(() => ClassificationDataset.concat([a, b]), /the data sets' train transforms differ/);
  // Equal built-in chains built twice concatenate.
  assert.equal(ClassificationDataset.concat([a, a.withTransforms({ train: new ToTensor() })]).length, 4);
});

function cifarLike(n: number): ClassificationDataset {
  const images = Uint8Array.from({ length: n * 8 * 8 * 3 }, (_, i) => (i * 7919) % 256);
  const mean = [0.4914, 0.4822, 0.4465];
  const std = [0.2023, 0.1994, 0.201];
  return new ClassificationDataset({
    images,
    targets: Int32Array.from({ length: n }, (_, i) => i % 4),
    sampleShape: [8, 8, 3],
    transforms: {
      train: new Compose([new RandomCrop(8, { padding: 2 }), new RandomHorizontalFlip(), new ToTensor(), new Normalize(mean, std)]),
      eval: new Compose([new ToTensor(), new Normalize(mean, std)]),
    },
  });
}

function drainX(loader: Iterable<[tf.Tensor, tf.Tensor, tf.Tensor]>): number[][] {
  const out: number[][] = [];
  for (const batch of loader) {
    out.push(Array.from(batch[0].dataSync()));
    tf.dispose([batch[0], batch[1], batch[2]]);
  }
  return out;
}

test('data loaders augment with the train group, seeded, the same in the worker and on the main thread, one batch ahead', async () => {
  await ready();
  const data = cifarLike(40);
  assert.equal(data.transformGroup, 'train');
  assert.deepEqual(data.inputShape, [8, 8, 3]);
  const before = tf.memory().numTensors;
  const sentBefore = batchesSentToWorker();
  const loader = new DataLoader(data, { batchSize: 16, shuffle: true, seed: 3 });
  const iterator = loader[Symbol.iterator]();
  const first = iterator.next().value!;
  // The second batch is with the worker before the first is handed out.
  assert.equal(batchesSentToWorker() - sentBefore, 2);
  tf.dispose([first[0], first[1], first[2]]);
  while (true) {
    const r = iterator.next();
    if (r.done) break;
    tf.dispose([r.value[0], r.value[1], r.value[2]]);
  }
  const inWorker = drainX(new DataLoader(data, { batchSize: 16, shuffle: true, seed: 3 }));
  const again = drainX(new DataLoader(data, { batchSize: 16, shuffle: true, seed: 3 }));
  const inline = await withEnv({ AVALANCHE_TS_PREFETCH: '0' }, async () => drainX(new DataLoader(data, { batchSize: 16, shuffle: true, seed: 3 })));
  assert.deepEqual(inWorker, again);
  assert.deepEqual(inWorker, inline);
  const other = drainX(new DataLoader(data, { batchSize: 16, shuffle: true, seed: 4 }));
  assert.notDeepEqual(other, inWorker);
  // Augmented: the same sample in two epochs differs; the eval group does not augment.
  const order = drainX(new DataLoader(data, { batchSize: 40 }));
  const order2 = drainX(new DataLoader(data, { batchSize: 40, seed: 9 }));
  assert.notDeepEqual(order, order2);
  const ev = drainX(new DataLoader(data.eval(), { batchSize: 40, seed: 1 }));
  const ev2 = drainX(new DataLoader(data.eval(), { batchSize: 40, seed: 2 }));
  assert.deepEqual(ev, ev2);
  // Eval values are exactly ToTensor + Normalize of the bytes.
  assert.ok(Math.abs(ev[0][0] - (data.images[0] / 255 - 0.4914) / 0.2023) < 1e-6);
  // A replay loader augments memory and current data together.
  const replay = drainX(new ReplayDataLoader(data, cifarLike(10), { batchSize: 8, batchSizeMem: 4, seed: 1 }) as Iterable<[tf.Tensor, tf.Tensor, tf.Tensor]>);
  const replayInline = await withEnv({ AVALANCHE_TS_PREFETCH: '0' }, async () =>
    drainX(new ReplayDataLoader(data, cifarLike(10), { batchSize: 8, batchSizeMem: 4, seed: 1 }) as Iterable<[tf.Tensor, tf.Tensor, tf.Tensor]>),
  );
  assert.deepEqual(replay, replayInline);
  assert.equal(replay[0].length, 12 * 8 * 8 * 3);
  // A user's Lambda runs on the main thread, with the loader's generator.
  const lambda = data.withTransforms({ train: new Compose([new ToTensor(), new Lambda((s, r) => ({ ...s, data: s.data.map((v) => v + r.next()) }))]) });
  const l1 = drainX(new DataLoader(lambda, { batchSize: 20, seed: 5 }));
  const l2 = drainX(new DataLoader(lambda, { batchSize: 20, seed: 5 }));
  assert.deepEqual(l1, l2);
  assert.equal(tf.memory().numTensors, before);
});
