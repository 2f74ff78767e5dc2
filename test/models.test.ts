import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Linear, Random, SimpleMLP, linearOp, initBackend, BACKEND_CANDIDATES } from 'avalanche-ts';
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
