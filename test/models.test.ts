import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  ClassificationDataset, Conv2d, IncrementalClassifier, Linear, MTSimpleMLP, MultiHeadClassifier, Random, SimpleCNN, SimpleMLP, SplitMNIST, linearOp, initBackend, BACKEND_CANDIDATES,
} from 'avalanche-ts';
import { ready } from './helpers';

test('backend: the default is wasm here; an unknown name is a clear error', async () => {
  await ready();
  assert.equal(tf.getBackend(), 'wasm');
  await assert.rejects(initBackend({ backend: 'cuda' }), /unknown backend 'cuda'; allowed values: 'node-gpu', 'node', 'webgpu', 'wasm', 'cpu'/);
  assert.deepEqual(BACKEND_CANDIDATES.map((c) => c.name), ['node-gpu', 'node', 'webgpu', 'wasm', 'cpu']);
});

test('backend: env variable forces one; a missing one fails with the reason', async () => {
  const { spawnSync } = await import('child_process');
  const script = "require('avalanche-ts').initBackend().then(b => console.log('chose', b.name), e => { console.log('error', e.message); })";
  const run = (value: string) => spawnSync(process.execPath, ['-e', script], { env: { ...process.env, AVALANCHE_TS_BACKEND: value }, encoding: 'utf8', cwd: __dirname });
  assert.match(run('cpu').stdout, /chose cpu/);
  assert.match(run('node').stdout, /error backend 'node' could not be started \(node: /);
  assert.match(run('tpu').stdout, /error environment variable AVALANCHE_TS_BACKEND: unknown backend 'tpu'/);
});

test('Linear: PyTorch initialisation, uniform in ±1/sqrt(fan_in)', async () => {
  await ready();
  const layer = new Linear({ inFeatures: 784, outFeatures: 64 }, new Random(3));
  const [w, b] = layer.variables;
  const bound = 1 / Math.sqrt(784);
  const wv = w.dataSync() as Float32Array;
  const bv = b.dataSync() as Float32Array;
  assert.ok(wv.every((v) => Math.abs(v) <= bound) && bv.every((v) => Math.abs(v) <= bound));
  // Uniform: mean ~0, variance ~bound^2/3.
  const mean = wv.reduce((a, v) => a + v, 0) / wv.length;
  const variance = wv.reduce((a, v) => a + v * v, 0) / wv.length;
  assert.ok(Math.abs(mean) < bound * 0.02);
  assert.ok(Math.abs(variance / (bound * bound / 3) - 1) < 0.05);
  layer.dispose();
});

test('hand-written dense gradients equal autodiff', async () => {
  await ready();
  const r = new Random(11);
  const rand = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => r.next() * 2 - 1), shape);
  for (const activation of ['relu', 'linear'] as const) {
    const x = rand([7, 5]);
    const w = rand([5, 3]);
    const b = rand([3]);
    const upstream = rand([7, 3]);
    const fast = linearOp(activation, true);
    const reference = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
      const z = tf.add(tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D), bb);
      return activation === 'relu' ? tf.relu(z) : z;
    };
    const loss = (f: typeof reference) => (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(f(xx, ww, bb), upstream));
    const gFast = tf.grads(loss(fast))([x, w, b]);
    const gRef = tf.grads(loss(reference))([x, w, b]);
    gFast.forEach((g, i) => {
      const a = g.dataSync();
      const e = gRef[i].dataSync();
      for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k] - e[k]) < 1e-5, `${activation} grad ${i}[${k}]: ${a[k]} vs ${e[k]}`);
    });
    assert.ok(tf.sum(tf.abs(fast(x, w, b).sub(reference(x, w, b)))).dataSync()[0] < 1e-5);
    // Without the input gradient, the weight gradients are unchanged.
    const noInput = tf.grads((ww: tf.Tensor, bb: tf.Tensor) => loss(linearOp(activation, false))(x, ww, bb))([w, b]);
    assert.ok(tf.max(tf.abs(noInput[0].sub(gRef[1]))).dataSync()[0] < 1e-5);
    assert.ok(tf.max(tf.abs(noInput[1].sub(gRef[2]))).dataSync()[0] < 1e-5);
  }
});

test('SimpleMLP: shapes, getFeatures, dropout only while training, seeded weights', async () => {
  await ready();
  const m = new SimpleMLP({ numClasses: 10, seed: 5 });
  const m2 = new SimpleMLP({ numClasses: 10, seed: 5 });
  assert.equal(m.numParameters, 784 * 512 + 512 + 512 * 10 + 10);
  assert.deepEqual(m.trainableVariables.map((v) => v.shape), [[784, 512], [512], [512, 10], [10]]);
  assert.deepEqual([...m.trainableVariables[0].dataSync().slice(0, 5)], [...m2.trainableVariables[0].dataSync().slice(0, 5)]);
  const x = tf.ones([4, 28, 28]);
  assert.deepEqual(m.forward(x).shape, [4, 10]);
  assert.deepEqual(m.getFeatures(x).shape, [4, 512]);
  m.eval();
  const a = m.forward(x).dataSync();
  const b = m.forward(x).dataSync();
  assert.deepEqual([...a], [...b], 'eval mode is deterministic (no dropout)');
  m.train();
  const c = m.getFeatures(x).dataSync();
  const zeros = c.filter((v) => v === 0).length;
  assert.ok(zeros > c.length * 0.4, 'dropout zeroes about half of the features while training');
  assert.throws(() => m.forward(tf.ones([2, 100])), /each sample of x must hold 784 values \(inputSize\)/);
  assert.throws(() => new SimpleMLP({ numClasses: 0 }), /numClasses must be an integer >= 1, got 0/);
  assert.throws(() => new SimpleMLP({ dropRate: 1 }), /dropRate must be a number in \[0, 1\), got 1/);
  assert.throws(() => new SimpleMLP({ hidden: 3 } as never), /SimpleMLP: unknown option 'hidden'/);
  m.dispose();
  m2.dispose();
});

test('Random.fillBernoulli draws exactly as a loop of next() < p: same values, same state after', () => {
  for (const [seed, p] of [[1, 0.5], [42, 0.8], [-7, 0.999], [3, 1e-9]] as const) {
    const a = new Random(seed);
    const b = new Random(seed);
    const fast = new Float32Array(10_001);
    a.fillBernoulli(fast, p, 2.5);
    const slow = Float32Array.from({ length: fast.length }, () => (b.next() < p ? 2.5 : 0));
    assert.deepEqual(fast, slow, `seed ${seed}, p ${p}`);
    assert.equal(a.next(), b.next(), 'the generators continue alike');
  }
});

test('MultiHeadClassifier: a head per task created by adaptation, grown to its classes; mixed batches routed sample by sample', async () => {
  await ready();
  const head = new MultiHeadClassifier({ inFeatures: 4, seed: 1 });
  assert.deepEqual(head.tasks, [0]);
  const data = (tasks: number[], targets: number[]) => ({ targets: Int32Array.from(targets), taskLabels: Int32Array.from(tasks) }) as unknown as ClassificationDataset;
  head.adaptation(data([0, 0, 1, 1, 2], [0, 3, 0, 1, 1]));
  assert.deepEqual(head.tasks, [0, 1, 2]);
  assert.deepEqual(head.tasks.map((t) => head.classifiers.get(t)!.outFeatures), [4, 2, 2]);
  const x = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
  const labels = [2, 0, 1, 0, 2];
  const mixed = head.forward(x, labels).arraySync() as number[][];
  labels.forEach((t, i) => {
    const single = (head.forwardSingleTask(tf.slice(x, [i, 0], [1, 4]), t).arraySync() as number[][])[0];
    single.forEach((v, j) => assert.ok(Math.abs(v - mixed[i][j]) < 1e-5));
    for (let j = single.length; j < 4; j++) assert.equal(mixed[i][j], -1e4, 'narrower heads are padded with -1e4');
  });
  assert.throws(() => head.forward(x), /needs the task label of each sample/);
  assert.throws(() => head.forward(x, 7), /no head for task 7 \(heads: 0, 1, 2\)/);
  // Growing keeps the old units' weights.
  const inc = new IncrementalClassifier({ inFeatures: 3, initialOutFeatures: 2, seed: 2 });
  const before = inc.forward(tf.ones([1, 3])).dataSync().slice();
  inc.growTo(5);
  const after = inc.forward(tf.ones([1, 3])).dataSync();
  assert.equal(after.length, 5);
  assert.deepEqual(Array.from(after.slice(0, 2)), Array.from(before));
});

test('models copy themselves: stateDict / loadStateDict round-trip, clone() is an equal but separate model (MTSimpleMLP included)', async () => {
  await ready();
  const b = await SplitMNIST({ nExperiences: 5, seed: 1, returnTaskId: true, source: 'bundled' });
  for (const make of [() => new SimpleMLP({ seed: 1, hiddenSize: 16 }), () => new MTSimpleMLP({ seed: 1, hiddenSize: 16 }), () => new SimpleCNN({ seed: 1 })]) {
    const model = make();
    model.adaptation?.(b.trainStream[0].dataset);
    model.adaptation?.(b.trainStream[3].dataset);
    model.eval();
    const x = tf.randomNormal([3, 784], 0, 1, 'float32', 4);
    const out = model.forward(x, 3).dataSync();
    const copy = model.clone();
    assert.deepEqual(copy.forward(x, 3).dataSync(), out, `${model.constructor.name}: the clone computes the same outputs`);
    model.trainableVariables[0].assign(tf.zerosLike(model.trainableVariables[0]));
    assert.deepEqual(copy.forward(x, 3).dataSync(), out, 'the clone has its own weights');
    const state = copy.stateDict();
    assert.ok(Object.keys(state).every((k) => /^(features|classifier)\./.test(k)), Object.keys(state).join());
    model.loadStateDict(state);
    assert.deepEqual(model.forward(x, 3).dataSync(), out, 'loadStateDict restores the outputs');
    assert.throws(() => model.loadStateDict({}), /loadStateDict: the state does not match the model; missing: /);
    tf.dispose(Object.values(state));
    copy.dispose();
    model.dispose();
  }
});

test('Conv2d\'s hand-written gradients (input and filter) equal tfjs\'s autodiff (on the cpu backend, which has every gradient kernel), strided and not, whether the windows tile the input or not', async () => {
  await ready();
  // [input size, kernel, stride, padding, bias]
  const cases: [number, number, number, number, boolean][] = [[6, 3, 1, 1, true], [7, 3, 2, 1, false], [8, 3, 2, 1, false], [6, 1, 2, 0, false], [9, 3, 3, 0, true]];
  for (const [size, k, stride, padding, withBias] of cases) {
    const conv = new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: k, stride, padding, bias: withBias }, new Random(1));
    const xv = Float32Array.from({ length: 2 * size * size * 2 }, (_, i) => Math.sin(i * 0.7));
    const [w, bias] = conv.namedParameters().map(([, v]) => v);
    const wv = w.dataSync().slice();
    const bv = bias ? bias.dataSync().slice() : new Float32Array(3);
    const x = tf.tensor4d(xv, [2, size, size, 2]);
    const oursX = tf.grad((xx: tf.Tensor) => tf.sum(tf.square(conv.apply(xx as tf.Tensor4D))))(x);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(conv.apply(x))), [w]);
    const ours = { x: oursX.dataSync().slice(), w: grads[w.name].dataSync().slice() };
    const backend = tf.getBackend();
    await tf.setBackend('cpu');
    try {
      const [refX, refW] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(tf.add(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, stride, padding), tf.tensor1d(bv)))))([
        tf.tensor4d(xv, [2, size, size, 2]), tf.tensor4d(wv, [k, k, 2, 3]),
      ]);
      const what = `size ${size}, kernel ${k}, stride ${stride}, padding ${padding}`;
      refX.dataSync().forEach((v, i) => assert.ok(Math.abs(v - ours.x[i]) < 1e-4 * Math.max(1, Math.abs(v)), `${what}: dx[${i}]: ${ours.x[i]} vs ${v}`));
      refW.dataSync().forEach((v, i) => assert.ok(Math.abs(v - ours.w[i]) < 1e-4 * Math.max(1, Math.abs(v)), `${what}: dW[${i}]: ${ours.w[i]} vs ${v}`));
    } finally {
      await tf.setBackend(backend);
    }
    tf.dispose([x, oursX, value, ...Object.values(grads)]);
    conv.dispose();
  }
});
