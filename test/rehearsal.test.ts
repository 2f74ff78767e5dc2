/**
 * Gradient projection and rehearsal strategies (GEM, A-GEM, GDumb, ER-ACE, Cumulative,
 * JointTraining): their math against direct computations and their effect on the bundled digits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  MTSimpleMLP, AGEM, CWRStar, CrossEntropyLoss, GSS_greedy, GSSGreedyPlugin, GSSGreedyBuffer, HerdingClassBuffer, HerdingSelectionStrategy, trackBuffer, Cumulative, DER, ICaRL, ICaRLPlugin, icarlBCE, ER_ACE, EvaluationPlugin, GDumb, GDumbBuffer, GEM, JointTraining, Naive, Replay, SGD, SimpleMLP, SplitMNIST,
  accuracyMetrics, aceLoss, agemProject, solveGEMDual,
} from 'avalanche-ts';
import { ready } from './helpers';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const quadprog = require('quadprog');

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

test('GEM: the projected gradient satisfies every constraint and is the closest one (the primal QP solved directly agrees)', () => {
  const G = [[1, 0.5, -1, 0], [0, 1, 1, -0.5], [-1, 0, 0.5, 1]];
  const g = [-1, -0.2, 1.5, -0.8];
  assert.ok(G.some((row) => dot(row, g) < 0), 'the case violates a constraint');
  const P = G.map((a) => G.map((b) => dot(a, b)));
  const v = solveGEMDual(P, G.map((row) => dot(row, g)), 0);
  const projected = g.map((x, j) => x + G.reduce((s, row, k) => s + v[k] * row[j], 0));
  // Within the 1e-3 ridge Avalanche adds to the dual's matrix for stability.
  for (const row of G) assert.ok(dot(row, projected) >= -1e-2, `constraint ${dot(row, projected)}`);
  // Primal: min ½‖x - g‖² subject to G x >= 0 (quadprog: min -dᵀx + ½ xᵀDx, Aᵀx >= b0; 1-based arrays).
  const n = g.length;
  const D = [[]] as number[][];
  const A = [[]] as number[][];
  for (let i = 1; i <= n; i++) {
    D[i] = [0, ...Array.from({ length: n }, (_, j) => (i === j + 1 ? 1 : 0))];
    A[i] = [0, ...G.map((row) => row[i - 1])];
  }
  const primal = quadprog.solveQP(D, [0, ...g], A, [0, 0, 0, 0]).solution.slice(1) as number[];
  projected.forEach((x, j) => assert.ok(Math.abs(x - primal[j]) < 1e-2, `component ${j}: ${x} vs ${primal[j]}`));
  // memoryStrength bounds the dual variables from below, as Avalanche's (it pushes harder along the memories).
  const withMargin = solveGEMDual(P, G.map((row) => dot(row, g)), 0.5);
  assert.ok(withMargin.every((x) => x >= 0.5 - 1e-9));
});

test('A-GEM: g - min(g·r, 0) / (r·r) r on hand-made vectors (split over two variables, as the plugin sees them)', async () => {
  await ready();
  const r = { a: tf.tensor1d([1, 2]), b: tf.tensor1d([0]) };
  const against = agemProject({ a: tf.tensor1d([-3, 1]), b: tf.tensor1d([4]) }, r);
  // g·r = -1, r·r = 5: g + r / 5.
  const flat = [...against.a.arraySync() as number[], ...against.b.arraySync() as number[]];
  [-2.8, 1.4, 4].forEach((v, i) => assert.ok(Math.abs(flat[i] - v) < 1e-6, `${flat}`));
  assert.ok(Math.abs(dot(flat, [1, 2, 0])) < 1e-5, 'the projection is orthogonal to r');
  const along = agemProject({ a: tf.tensor1d([3, 1]), b: tf.tensor1d([4]) }, r);
  assert.deepEqual([...along.a.arraySync() as number[], ...along.b.arraySync() as number[]], [3, 1, 4], 'a gradient that agrees with the memory is left alone');
});

test('A-GEM warns once when the optimizer has momentum (the step is then not the projected gradient)', async () => {
  await ready();
  const b = await SplitMNIST({ nExperiences: 5, seed: 1, source: 'bundled' });
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.join(' '));
  try {
    for (const momentum of [0, 0.9]) {
      const model = new SimpleMLP({ seed: 1 });
      const s = new AGEM(model, new SGD({ lr: 0.01, momentum }), new CrossEntropyLoss(), { patternsPerExp: 10, trainMbSize: 200, seed: 1, evaluator: new EvaluationPlugin() });
      await s.train(b.trainStream[0]);
      await s.train(b.trainStream[1]);
      s.dispose();
      model.dispose();
    }
  } finally {
    console.warn = warn;
  }
  const agem = warnings.filter((w) => w.startsWith('A-GEM'));
  assert.equal(agem.length, 1, JSON.stringify(warnings));
  assert.match(agem[0], /momentum 0\.9.*Use SGD without momentum/);
});

test('GDumb\'s buffer stays class-balanced as classes arrive, and GDumb trains on the buffer alone from the initial weights', async () => {
  await ready();
  const b = await SplitMNIST({ nExperiences: 5, seed: 2, source: 'bundled' });
  const buffer = new GDumbBuffer(100, { seed: 1 });
  for (const [i, exp] of b.trainStream.entries()) {
    buffer.update({ experience: exp });
    const counts = new Map<number, number>();
    for (const t of buffer.buffer.targets) counts.set(t, (counts.get(t) ?? 0) + 1);
    assert.equal(buffer.buffer.length, 100);
    assert.equal(counts.size, 2 * (i + 1), 'every class seen has samples');
    const values = [...counts.values()];
    assert.ok(Math.max(...values) - Math.min(...values) <= 1, `unbalanced: ${[...counts]}`);
  }
  const seen: number[] = [];
  const model = new SimpleMLP({ seed: 3 });
  const initial = model.trainableVariables[0].dataSync().slice();
  const s = new GDumb(model, new SGD({ lr: 0.01 }), new CrossEntropyLoss(), {
    memSize: 50, trainMbSize: 25, seed: 1, evaluator: new EvaluationPlugin(accuracyMetrics({ stream: true })),
    plugins: [{ beforeTrainingExp: (st) => { seen.push(st.adaptedDataset!.length); assert.deepEqual(st.model.trainableVariables[0].dataSync(), initial, 'not reset'); } }],
  });
  for (const exp of b.trainStream.slice(0, 3)) await s.train(exp);
  assert.deepEqual(seen, [50, 50, 50]);
  s.dispose();
  model.dispose();
});

test('GDumb resets a multi-head model whose heads grew since (at training, and at evaluation for tasks not trained yet): every head back to its values at creation, no tensor left behind', async () => {
  await ready();
  const b = await SplitMNIST({ nExperiences: 5, seed: 1, returnTaskId: true, source: 'bundled' });
  const model = new MTSimpleMLP({ hiddenSize: 32, seed: 4 });
  const shared = model.trainableVariables[0].dataSync().slice();
  const created = new Map<string, Float32Array>();
  const checks: string[] = [];
  const s = new GDumb(model, new SGD({ lr: 0.05 }), new CrossEntropyLoss(), {
    memSize: 100, trainMbSize: 25, seed: 1, evaluator: new EvaluationPlugin(accuracyMetrics({ stream: true })),
    plugins: [{
      beforeTrainingExp: (st) => {
        assert.deepEqual(st.model.trainableVariables[0].dataSync(), shared, 'the shared layer is not reset');
        for (const [name, v] of (st.model as MTSimpleMLP).namedParameters()) {
          if (!name.startsWith('classifier.')) continue;
          if (!created.has(name)) created.set(name, Float32Array.from(v.dataSync()));
          else assert.deepEqual(v.dataSync(), created.get(name), `${name} is not back to its values at creation`);
          checks.push(name);
        }
      },
    }],
  });
  let tensors = -1;
  for (const exp of b.trainStream) {
    await s.train(exp);
    await s.eval(b.testStream); // creates the heads of the tasks not trained yet
    if (exp.currentExperience === 1) tensors = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, tensors, 'tensors leaked across experiences');
  assert.ok(checks.filter((n) => n.startsWith('classifier.classifiers.0.')).length >= 8, 'head 0 checked at each experience');
  s.dispose();
  model.dispose();
});

test('ER-ACE: the loss is the mean of the buffer\'s cross-entropy and the current batch\'s restricted to its classes', async () => {
  await ready();
  const out = [[2, 0, 1, -1], [0.5, 1, -2, 3], [1, 1, 1, 1]];
  const y = Int32Array.from([0, 3, 3]);
  const outB = [[1, 2, 3, 4]];
  const yB = [1];
  const lse = (row: number[]) => Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
  // Current classes {0, 3}: columns 0 and 3 only.
  const current = out.map((row, i) => lse([row[0], row[3]]) - row[y[i]]).reduce((a, v) => a + v, 0) / 3;
  const buffer = lse(outB[0]) - outB[0][yB[0]];
  const loss = aceLoss(tf.tensor2d(out), y, tf.tensor2d(outB), tf.tensor1d(yB, 'int32')).dataSync()[0];
  assert.ok(Math.abs(loss - (current + buffer) / 2) < 1e-5, `${loss} vs ${(current + buffer) / 2}`);
});

test('DER stores, beside each exemplar in one flat array, the model\'s outputs at storage time', async () => {
  await ready();
  const b = await SplitMNIST({ nExperiences: 5, seed: 3, source: 'bundled' });
  const model = new SimpleMLP({ seed: 4, hiddenSize: 32 });
  const s = new DER(model, new SGD({ lr: 0.05 }), new CrossEntropyLoss(), { memSize: 60, batchSizeMem: 16, trainMbSize: 64, seed: 2, evaluator: new EvaluationPlugin(accuracyMetrics({ stream: true })) });
  let kept: { ids: number[]; logits: Float32Array } | null = null;
  for (const [i, exp] of b.trainStream.slice(0, 3).entries()) {
    await s.train(exp);
    const plugin = s.derPlugin;
    const buffer = plugin.storagePolicy.buffer;
    assert.equal(plugin.storedLogits.length, buffer.length * 10);
    assert.equal(plugin.logitsWidth, 10);
    // Samples of the experience just stored: their logits are the model's eval-mode outputs now.
    const fresh = Array.from({ length: buffer.length }, (_, k) => k).filter((k) => buffer.experienceIds[k] === i);
    assert.ok(fresh.length > 0);
    model.eval();
    const out = model.forward(tf.tensor2d(Float32Array.from(fresh.flatMap((k) => { const row = new Float32Array(784); buffer.gatherInputs([k], 0, 1, row); return Array.from(row); })), [fresh.length, 784])).dataSync();
    model.train();
    fresh.forEach((k, j) => {
      for (let c = 0; c < 10; c++) assert.ok(Math.abs(plugin.storedLogits[k * 10 + c] - out[j * 10 + c]) < 1e-4, `sample ${k} class ${c}`);
    });
    // Older exemplars keep the logits of their own storage time, not the current model's.
    if (kept) {
      const before = new Map(Array.from(kept.ids, (id, k) => [id, kept!.logits.subarray(k * 10, k * 10 + 10)]));
      const older = Array.from({ length: buffer.length }, (_, k) => k).filter((k) => buffer.experienceIds[k] < i);
      assert.ok(older.length > 0);
      for (const k of older) assert.deepEqual(plugin.storedLogits.subarray(k * 10, k * 10 + 10), before.get(buffer.experienceIds[k] * 1e6 + buffer.sampleIds[k]));
    }
    kept = { ids: Array.from(buffer.sampleIds, (id, k) => buffer.experienceIds[k] * 1e6 + id), logits: plugin.storedLogits.slice() };
  }
  s.dispose();
  model.dispose();
});

test('CWR*: consolidated weights are each current class\'s output weights minus their mean; other layers frozen after the first experience', async () => {
  await ready();
  const b = await SplitMNIST({ nExperiences: 5, seed: 4, source: 'bundled' });
  const model = new SimpleMLP({ seed: 5, hiddenSize: 16 });
  const expected = new Map<number, number[]>();
  let featuresBefore: Float32Array | null = null;
  const probe = {
    beforeTrainingExp: () => { featuresBefore = Float32Array.from(model.features[0].namedParameters()[0][1].dataSync()); },
    afterTrainingExp: (st: { experience: { classesInThisExperience: number[] } | null }) => {
      const [[, w], [, bias]] = model.classifier.namedParameters();
      const wv = w.dataSync();
      const bv = bias.dataSync();
      const classes = st.experience!.classesInThisExperience;
      const cols = classes.map((c) => [...Array.from({ length: 16 }, (_, i) => wv[i * 10 + c]), bv[c]]);
      const avg = cols.reduce((a, col) => a + col.slice(0, 16).reduce((x, y) => x + y, 0), 0) / (classes.length * 16);
      classes.forEach((c, k) => expected.set(c, cols[k].map((v, i) => (i < 16 ? v - avg : v))));
    },
  };
  const s = new CWRStar(model, new SGD({ lr: 0.05 }), new CrossEntropyLoss(), { trainMbSize: 64, seed: 1, plugins: [probe as never], evaluator: new EvaluationPlugin(accuracyMetrics({ stream: true })) });
  await s.train(b.trainStream[0]);
  await s.train(b.trainStream[1]);
  assert.deepEqual(model.features[0].namedParameters()[0][1].dataSync(), featuresBefore, 'the hidden layer moved in the second experience');
  for (const [c, col] of expected) {
    const saved = s.cwrPlugin.savedWeights.get(c)!;
    col.forEach((v, i) => assert.ok(Math.abs(saved[i] - v) < 1e-5, `class ${c} entry ${i}`));
    assert.equal(s.cwrPlugin.pastJ.get(c), b.trainStream.find((e) => e.classesInThisExperience.includes(c))!.dataset.targets.filter((t) => t === c).length);
  }
  const before = tf.memory().numTensors;
  await s.train(b.trainStream[2]);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => new CWRStar(model, new SGD({ lr: 1 }), new CrossEntropyLoss(), { cwrLayerName: 3 as never }), /cwrLayerName must be a layer name/);
  s.dispose();
  model.dispose();
});

test('iCaRL: the nearest-mean-of-exemplars classifier returns the class of the nearest mean; its loss is BCE on sigmoid outputs', async () => {
  await ready();
  const plugin = new ICaRLPlugin({ memorySize: 10 });
  plugin.classMeans.set(0, Float32Array.of(1, 0));
  plugin.classMeans.set(2, Float32Array.of(0, 1));
  const features = { getFeatures: (x: tf.Tensor) => tf.clone(x) } as never;
  const scores = plugin.nearestMeanScores(features, tf.tensor2d([[0.9, 0.1], [-0.2, 1], [3, 2.9]]), 3).arraySync() as number[][];
  assert.deepEqual(scores.map((row) => row.indexOf(Math.max(...row))), [0, 2, 0]);
  // Minus the Euclidean distance between the normalised features and each mean (class 1 has none: the origin).
  const f = [0.9, 0.1].map((v) => v / Math.hypot(0.9, 0.1));
  assert.ok(Math.abs(scores[0][0] + Math.hypot(f[0] - 1, f[1])) < 1e-5);
  assert.ok(Math.abs(scores[0][1] + 1) < 1e-5);
  const logits = [[2, -1], [0.5, 3]];
  const targets = [[1, 0.25], [0, 1]];
  let direct = 0;
  logits.forEach((row, i) => row.forEach((z, j) => {
    const p = 1 / (1 + Math.exp(-z));
    direct -= targets[i][j] * Math.log(p) + (1 - targets[i][j]) * Math.log(1 - p);
  }));
  direct /= 4;
  assert.ok(Math.abs(icarlBCE(tf.tensor2d(logits), tf.tensor2d(targets)).dataSync()[0] - direct) < 1e-6);
});

test('iCaRL: its exemplars are a class-balanced herding buffer that trackBuffer records; older classes are cut in herding order', async () => {
  await ready();
  const b = await SplitMNIST({ nExperiences: 5, seed: 1, source: 'bundled' });
  const model = new SimpleMLP({ numClasses: 10, seed: 1 });
  const s = new ICaRL(model, new SGD({ lr: 0.01, momentum: 0.9 }), { memorySize: 50, trainMbSize: 128, trainEpochs: 1, evalMbSize: 500, seed: 1, evaluator: new EvaluationPlugin() });
  const history = trackBuffer(s.icarlPlugin.storagePolicy, 'iCaRL');
  await s.train(b.trainStream[0]);
  const first = new Map([...s.icarlPlugin.exemplars].map(([c, d]) => [c, Array.from(d.sampleIds)]));
  assert.deepEqual([...first.values()].map((ids) => ids.length), [25, 25]);
  // The new classes' exemplars are herding's first picks on the trained model's features.
  for (const [c, ids] of first) {
    const classData = b.trainStream[0].dataset.subset(b.trainStream[0].dataset.indicesBy('class').get(c)!);
    const order = await new HerdingSelectionStrategy(model).makeSortedIndices({ evalMbSize: 500 }, classData, 25);
    assert.deepEqual(ids, order.slice(0, 25).map((i) => classData.sampleIds[i]));
  }
  await s.train(b.trainStream[1]);
  assert.deepEqual(history.snapshots.map((snap) => snap.size), [50, 48]);
  assert.deepEqual([...history.snapshots[1].classes.values()], [12, 12, 12, 12]);
  for (const [c, ids] of first) assert.deepEqual(Array.from(s.icarlPlugin.exemplars.get(c)!.sampleIds), ids.slice(0, 12), `class ${c} keeps its first 12 in herding order`);
  assert.equal(s.icarlPlugin.storagePolicy.buffer.length, 48);
  assert.ok(s.icarlPlugin.classMeans.size === 4);
  assert.throws(() => new HerdingClassBuffer({ memorySize: -1 }), /memorySize must be a non-negative integer/);
  assert.throws(() => new HerdingClassBuffer({ memorySize: 5, fixed: true } as never), /fixed/);
  s.dispose();
  model.dispose();
});

test('GSS-greedy: a sample\'s score is the cosine of its gradient with the memory\'s; the memory fills, then changes only when a batch conflicts; seeded; tensors flat', async () => {
  await ready();
  const b = await SplitMNIST({ nExperiences: 5, seed: 1, source: 'bundled' });
  const data = b.trainStream[0].dataset;
  // The score, computed directly: memory = 8 samples (one batch of 8), candidate = sample 20.
  const model = new SimpleMLP({ seed: 2 });
  const plugin = new GSSGreedyPlugin({ memSize: 8, memStrength: 3, seed: 1 });
  const s = new Naive(model, new SGD({ lr: 0.01 }), new CrossEntropyLoss(), { evaluator: new EvaluationPlugin(), plugins: [plugin] });
  for (let i = 0; i < 8; i++) plugin.storagePolicy.put(i, data, i, 0.1);
  model.eval();
  const p = plugin as unknown as { memoryGradients(st: unknown, n: number): tf.Tensor2D; sampleScores(st: unknown, g: tf.Tensor2D, d: unknown, c: Int32Array): Promise<Float32Array> };
  const g = p.memoryGradients(s, 8);
  assert.deepEqual(g.shape.slice(0, 1), [1], 'one memory batch: the whole memory');
  const [score] = await p.sampleScores(s, g, data, Int32Array.of(20));
  const flat = (rows: number[]) => {
    const x = tf.tensor2d(Float32Array.from(rows.flatMap((r) => Array.from(data.images.subarray(r * 784, (r + 1) * 784), (v) => (v / 255 - data.normalization.mean) / data.normalization.std))), [rows.length, 784]);
    const y = tf.tensor1d(Int32Array.from(rows, (r) => data.targets[r]), 'int32');
    const { value, grads } = tf.variableGrads(() => new CrossEntropyLoss().forward(model.forward(x), y) as tf.Scalar, model.trainableVariables);
    const v = Array.from(tf.concat(model.trainableVariables.map((w) => grads[w.name].reshape([-1]))).dataSync());
    tf.dispose([x, y, value, ...Object.values(grads)]);
    return v;
  };
  const gm = flat([0, 1, 2, 3, 4, 5, 6, 7]);
  const gi = flat([20]);
  const cos = dot(gm, gi) / Math.sqrt(dot(gm, gm) * dot(gi, gi));
  assert.ok(Math.abs(score - cos) < 1e-4, `score ${score} vs direct cosine ${cos}`);
  g.dispose();
  s.dispose();
  model.dispose();
  // A run: the memory fills (first batch scored 0.1), then changes only in conflicting steps; the same seed, the same memory.
  const run = async () => {
    const before = tf.memory().numTensors;
    const m = new SimpleMLP({ seed: 1 });
    let first: number[] = [];
    const probe = { afterTrainingIteration: (x: { clock: { trainIterations: number } }) => { if (x.clock.trainIterations === 0) first = Array.from(st.gssPlugin.storagePolicy.scores.subarray(0, st.gssPlugin.storagePolicy.filled)); } };
    const st: GSS_greedy = new GSS_greedy(m, new SGD({ lr: 0.01, momentum: 0.9 }), new CrossEntropyLoss(), { memSize: 60, memStrength: 2, trainMbSize: 20, seed: 3, evaluator: new EvaluationPlugin(), plugins: [probe as never] });
    const history = trackBuffer(st.gssPlugin.storagePolicy);
    await st.train(b.trainStream[0]);
    await st.train(b.trainStream[1]);
    const ids = Array.from(st.gssPlugin.storagePolicy.buffer.sampleIds);
    const out = { first, ids, sizes: history.snapshots.map((x) => x.size), classes: [...history.snapshots[1].classes.keys()].sort(), conflicts: st.gssPlugin.conflictingSteps, replaced: st.gssPlugin.replacements };
    st.dispose();
    m.dispose();
    assert.equal(tf.memory().numTensors, before, 'tensors flat');
    return out;
  };
  const r1 = await run();
  assert.deepEqual(r1.first, new Array(20).fill(Math.fround(0.1)), 'the first batch enters whole, with score 0.1');
  assert.deepEqual(r1.sizes, [60, 60]);
  assert.ok(r1.classes.length >= 3, `the second experience's classes entered: ${r1.classes}`);
  assert.ok(r1.conflicts > 0 && r1.replaced > 0 && r1.replaced <= r1.conflicts * 10, JSON.stringify(r1));
  assert.deepEqual(await run(), r1, 'seeded: the same memory');
  assert.throws(() => new GSSGreedyPlugin({ memStrength: 0 }), /memStrength must be/);
  assert.throws(() => new GSSGreedyPlugin({ memSize: 10, inputSize: [784] } as never), /unknown option 'inputSize'/);
  const buffer = new GSSGreedyBuffer(4);
  for (let i = 0; i < 4; i++) buffer.put(i, data, i, [0.5, -0.2, 0.9, 0.1][i]);
  buffer.resize({}, 2);
  assert.deepEqual(Array.from(buffer.buffer.sampleIds), [data.sampleIds[1], data.sampleIds[3]], 'resize keeps the least redundant (lowest scores)');
});

test('effect on class-incremental SplitMNIST with 500 samples of memory: rehearsal far above Naive; Cumulative and JointTraining near one model on everything', async () => {
  await ready();
  const b = await SplitMNIST({ nExperiences: 5, seed: 1, source: 'bundled' });
  const make: Record<string, (m: SimpleMLP, o: object) => { train: (e: never) => Promise<unknown>; eval: (s: never) => Promise<Record<string, unknown>>; dispose: () => void }> = {
    Naive: (m, o) => new Naive(m, new SGD({ lr: 0.01, momentum: 0.9 }), new CrossEntropyLoss(), o),
    Replay: (m, o) => new Replay(m, new SGD({ lr: 0.01, momentum: 0.9 }), new CrossEntropyLoss(), { ...o, memSize: 500 }),
    GDumb: (m, o) => new GDumb(m, new SGD({ lr: 0.01, momentum: 0.9 }), new CrossEntropyLoss(), { ...o, memSize: 500, trainEpochs: 5 }),
    GEM: (m, o) => new GEM(m, new SGD({ lr: 0.01, momentum: 0.9 }), new CrossEntropyLoss(), { ...o, patternsPerExp: 125 }),
    AGEM: (m, o) => new AGEM(m, new SGD({ lr: 0.01 }), new CrossEntropyLoss(), { ...o, patternsPerExp: 125, sampleSize: 256 }),
    ER_ACE: (m, o) => new ER_ACE(m, new SGD({ lr: 0.01, momentum: 0.9 }), new CrossEntropyLoss(), { ...o, memSize: 500, batchSizeMem: 64 }),
    ICaRL: (m, o) => new ICaRL(m, new SGD({ lr: 0.01, momentum: 0.9 }), { ...o, memorySize: 500 }),
    DER: (m, o) => new DER(m, new SGD({ lr: 0.01, momentum: 0.9 }), new CrossEntropyLoss(), { ...o, memSize: 500, batchSizeMem: 64 }),
    Cumulative: (m, o) => new Cumulative(m, new SGD({ lr: 0.01, momentum: 0.9 }), new CrossEntropyLoss(), o),
    JointTraining: (m, o) => new JointTraining(m, new SGD({ lr: 0.01, momentum: 0.9 }), new CrossEntropyLoss(), o),
  };
  const acc: Record<string, number> = {};
  for (const [name, build] of Object.entries(make)) {
    const before = tf.memory().numTensors;
    const model = new SimpleMLP({ numClasses: 10, seed: 1 });
    const s = build(model, { trainMbSize: 128, trainEpochs: 2, evalMbSize: 1000, seed: 1, evaluator: new EvaluationPlugin(accuracyMetrics({ stream: true })) });
    if (name === 'JointTraining') {
      await s.train(b.trainStream as never);
      await assert.rejects(s.train(b.trainStream as never), /JointTraining can be trained only once/);
    } else for (const exp of b.trainStream) await s.train(exp as never);
    acc[name] = (await s.eval(b.testStream as never))['Top1_Acc_Stream/eval_phase/test_stream/Task000'] as number;
    s.dispose();
    model.dispose();
    assert.equal(tf.memory().numTensors, before, `${name} left tensors`);
  }
  for (const name of ['Replay', 'GDumb', 'GEM', 'AGEM', 'ER_ACE', 'DER', 'ICaRL']) assert.ok(acc[name] > acc.Naive + 0.4, JSON.stringify(acc));
  assert.ok(acc.Cumulative > 0.85 && acc.JointTraining > 0.85, JSON.stringify(acc));
  assert.ok(Math.abs(acc.Cumulative - acc.JointTraining) < 0.05, JSON.stringify(acc));
});
