/**
 * Strategies beyond replay (EWC, SI, LwF, LFL, MAS), their math against direct computations on a
 * tiny model, their memory, schedulers and early stopping, and their effect on the bundled digits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  BaseStrategy, ClassificationDataset, CosineAnnealingLR, CrossEntropyLoss, DataLoader, EWC, EWCPlugin, EarlyStoppingPlugin, EvaluationPlugin, LFL,
  LFLPlugin, LRSchedulerPlugin, LwF, LwFPlugin, MAS, MASPlugin, MTSimpleMLP, NCBenchmark, Naive, PermutedMNIST, SGD, SimpleMLP, SplitMNIST, StepLR,
  SynapticIntelligence, SynapticIntelligencePlugin, accuracyMetrics, distillationLoss, forgettingMetrics, lossMetrics, ncBenchmark,
} from 'avalanche-ts';
import { ready } from './helpers';

const tinyMLP = (seed: number) => new SimpleMLP({ numClasses: 10, hiddenSize: 8, dropRate: 0, seed });
const quiet = () => new EvaluationPlugin(accuracyMetrics({ experience: true, stream: true }));
let tinyBench: NCBenchmark;

/** 5 experiences of 2 classes, 60 train samples per class, from the bundled digits. */
async function tiny(): Promise<NCBenchmark> {
  if (tinyBench) return tinyBench;
  const full = await SplitMNIST({ nExperiences: 1, seed: 0, source: 'bundled', shuffle: false });
  const pick = (d: ClassificationDataset, per: number) => {
    const idx: number[] = [];
    for (let c = 0; c < 10; c++) idx.push(...Array.from(d.targets.entries()).filter(([, t]) => t === c).slice(0, per).map(([i]) => i));
    return d.subset(idx);
  };
  tinyBench = ncBenchmark(pick(full.trainStream[0].dataset, 60), pick(full.testStream[0].dataset, 20), { nExperiences: 5, seed: 3 });
  return tinyBench;
}

/** Plain cross-entropy, for the direct computations. */
const ce = (logits: tf.Tensor, y: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(y as tf.Tensor1D, logits.shape[1] as number), logits) as tf.Scalar;

/** Mean over batches (in data set order) of `transform(d loss / d θ)`, computed directly. */
function directImportance(model: SimpleMLP, data: ClassificationDataset, batch: number, loss: (out: tf.Tensor, y: tf.Tensor) => tf.Scalar, transform: (g: tf.Tensor) => tf.Tensor): Float32Array[] {
  const vars = model.trainableVariables;
  const sums = vars.map((v) => new Float32Array(v.size));
  let n = 0;
  for (const [x, y, t] of new DataLoader(data, { batchSize: batch })) {
    const { grads: g, value } = tf.variableGrads(() => loss(model.forward(x), y), vars);
    vars.forEach((v, i) => tf.tidy(() => transform(g[v.name]).dataSync().forEach((a, j) => (sums[i][j] += a))));
    tf.dispose([x, y, t, value, ...Object.values(g)]);
    n += 1;
  }
  return sums.map((s) => s.map((a) => a / n) as Float32Array);
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(a.length, b.length, what);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1e-6, Math.abs(b[i])));
  assert.ok(worst < tol, `${what}: relative difference ${worst}`);
};

test('EWC: importances are the mean of squared criterion gradients; the separate-mode penalty equals sum_k Ω_k (θ - θ_k)²; online mode decays', async () => {
  await ready();
  const b = await tiny();
  const model = tinyMLP(1);
  const strategy = new EWC(model, new SGD({ lr: 0.05 }), new CrossEntropyLoss(), { ewcLambda: 10, trainMbSize: 16, evaluator: quiet(), seed: 1, keepImportanceData: true });
  const snapshots: { omega: Float32Array[]; theta: Float32Array[] }[] = [];
  for (const exp of b.trainStream.slice(0, 2)) {
    await strategy.train(exp);
    model.eval();
    const omega = directImportance(model, exp.dataset, 16, ce, (g) => tf.square(g));
    snapshots.push({ omega, theta: model.trainableVariables.map((v) => Float32Array.from(v.dataSync())) });
    const saved = strategy.ewcPlugin.savedData.get(exp.currentExperience)!;
    model.namedParameters().forEach(([name], i) => close(saved.importances.get(name)!.dataSync(), omega[i], 1e-3, `importance of ${name}`));
  }
  // Move the weights, then compare the penalty with the plain formula over both experiences.
  model.trainableVariables.forEach((v) => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, 'float32', 7))));
  const now = model.trainableVariables.map((v) => v.dataSync());
  let direct = 0;
  for (const s of snapshots) now.forEach((w, i) => w.forEach((x, j) => (direct += s.omega[i][j] * (x - s.theta[i][j]) ** 2)));
  const term = strategy.ewcPlugin.penalty.term(model, 'test');
  assert.ok(Math.abs(term.dataSync()[0] - direct) / direct < 1e-3, `penalty ${term.dataSync()[0]} vs ${direct}`);
  term.dispose();
  // The loss of a step is the criterion plus ewcLambda times the penalty, and its gradient moves the weights back.
  strategy.dispose();
  model.dispose();

  const online = new EWCPlugin({ ewcLambda: 1, mode: 'online', decayFactor: 0.5 });
  const m2 = tinyMLP(2);
  const s2 = new Naive(m2, new SGD({ lr: 0.05 }), new CrossEntropyLoss(), { trainMbSize: 16, evaluator: quiet(), plugins: [online], seed: 2 });
  await s2.train(b.trainStream[0]);
  const first = new Map([...online.savedData.get(0)!.importances].map(([k, v]) => [k, v.dataSync().slice()]));
  await s2.train(b.trainStream[1]);
  m2.eval();
  const fresh = directImportance(m2, b.trainStream[1].dataset, 16, ce, (g) => tf.square(g));
  m2.namedParameters().forEach(([name], i) => {
    const expected = fresh[i].map((f, j) => 0.5 * first.get(name)![j] + f);
    close(online.penalty.importance.get(name)!.dataSync(), expected, 1e-3, `online importance of ${name}`);
    close(online.penalty.anchor.get(name)!.dataSync(), m2.namedParameters()[i][1].dataSync(), 1e-6, `online anchor of ${name}`);
  });
  assert.equal(online.savedData.size, 1, 'keepImportanceData false keeps the last experience only');
  s2.dispose();
  m2.dispose();
  assert.throws(() => new EWCPlugin({ ewcLambda: 1, mode: 'online' }), /decayFactor is required in mode 'online'/);
  assert.throws(() => new EWCPlugin({ ewcLambda: 1, mode: 'seperate' as never }), /mode must be one of 'separate', 'online'; got 'seperate'/);
  assert.throws(() => new EWCPlugin({ ewcLambda: -1 }), /ewcLambda must be a finite number >= 0, got -1/);
  assert.throws(() => new EWC(tinyMLP(1), new SGD({ lr: 1 }), new CrossEntropyLoss(), { ewcLambda: 1, ewc_lambda: 2 } as never), /strategy: unknown option 'ewc_lambda'/);
});

test('SI: the path integral is the sum of -g·Δθ over the steps, the importance ω / (Δ² + eps), kept >= 0', async () => {
  await ready();
  const b = await tiny();
  const model = tinyMLP(3);
  const lr = 0.05;
  const squares = model.trainableVariables.map((v) => new Float64Array(v.size));
  const recorder = {
    afterBackward(s: BaseStrategy) {
      model.trainableVariables.forEach((v, i) => s.grads![v.name].dataSync().forEach((g, j) => (squares[i][j] += g * g)));
    },
  };
  const si = new SynapticIntelligencePlugin({ siLambda: 1, eps: 0.1 });
  const strategy = new Naive(model, new SGD({ lr }), new CrossEntropyLoss(), { trainMbSize: 16, evaluator: quiet(), plugins: [recorder, si], seed: 3 });
  const start = model.trainableVariables.map((v) => v.dataSync().slice());
  await strategy.train(b.trainStream[0]);
  // Plain SGD on the first experience (no penalty yet): Δθ = -lr g at each step, so -g·Δθ = lr g².
  model.namedParameters().forEach(([name, v], i) => {
    const end = v.dataSync();
    const expected = squares[i].map((s, j) => Math.max(0, (lr * s) / ((end[j] - start[i][j]) ** 2 + 0.1)));
    close(si.penalty.importance.get(name)!.dataSync(), expected, 2e-3, `SI importance of ${name}`);
  });
  // In the next experience the penalty is λ/2 Σ Ω (θ - θ*)², non-zero once the weights move.
  const penalties: number[] = [];
  strategy.plugins.push({ afterTrainingIteration(s: BaseStrategy) { if (s.mbIt % 5 === 0) penalties.push(si.penalty.term(s.model, 'test').dataSync()[0]); } });
  await strategy.train(b.trainStream[1]);
  assert.ok(penalties.some((p) => p > 0), `the SI penalty stays 0: ${penalties}`);
  strategy.dispose();
  model.dispose();
  assert.throws(() => new SynapticIntelligencePlugin({} as never), /siLambda is required/);
  assert.throws(() => new SynapticIntelligencePlugin({ siLambda: [1, -2] }), /siLambda\[1\] must be a finite number >= 0, got -2/);
});

test('LwF: the distillation loss is KL(softmax(prev/T) || softmax(out/T)) on the old units, averaged over the batch', async () => {
  await ready();
  const out = [[1, 2, 0.5, -1], [0, -1, 3, 2]];
  const prev = [[2, 1, 0, 0], [1, 1, -2, 4]];
  const units = [0, 2];
  const T = 2;
  const softmax = (row: number[]) => {
    const e = row.map((v) => Math.exp(v / T));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  let direct = 0;
  out.forEach((row, i) => {
    const p = softmax(row);
    const q = softmax(prev[i]);
    for (const u of units) direct += q[u] * (Math.log(q[u]) - Math.log(p[u]));
  });
  direct /= out.length;
  const loss = distillationLoss(tf.tensor2d(out), tf.tensor2d(prev), units, T);
  assert.ok(Math.abs(loss.dataSync()[0] - direct) < 1e-6, `${loss.dataSync()[0]} vs ${direct}`);
  assert.throws(() => new LwFPlugin({ temperature: 0 }), /temperature must be a finite number > 0, got 0/);
});

test('LwF distils every head of a multi-head model and every class learned so far (Avalanche 0.1 distils neither)', async () => {
  await ready();
  const b = await SplitMNIST({ nExperiences: 5, seed: 1, returnTaskId: true, source: 'bundled' });
  const plugin = new LwFPlugin({ alpha: 1, temperature: 2 });
  const model = new MTSimpleMLP({ seed: 1, hiddenSize: 32 });
  const terms: number[] = [];
  const probe = { beforeUpdate(s: BaseStrategy) { if (s.mbIt === 0) terms.push(plugin.penalty(s)?.dataSync()[0] ?? 0); } };
  const s = new Naive(model, new SGD({ lr: 0.05 }), new CrossEntropyLoss(), { trainMbSize: 200, evaluator: quiet(), plugins: [plugin, probe], seed: 1 });
  for (const exp of b.trainStream.slice(0, 3)) await s.train(exp);
  assert.deepEqual([...plugin.prevClasses.keys()], [0, 1, 2]);
  assert.ok([...plugin.prevClasses.values()].every((c) => c.size === 2));
  assert.equal(terms[0], 0, 'no distillation in the first experience');
  assert.ok(terms.slice(1).some((t) => t > 0), `no distillation with a multi-head model: ${terms}`);
  s.dispose();
  model.dispose();
});

test('LFL: the penalty is lambdaE * mean((f(x) - f_prev(x))²) without dropout; the output layer trained so far is frozen', async () => {
  await ready();
  const b = await tiny();
  const model = new SimpleMLP({ numClasses: 10, hiddenSize: 16, seed: 4 });
  const plugin = new LFLPlugin({ lambdaE: 2 });
  let checked = false;
  const probe = {
    beforeUpdate(s: BaseStrategy) {
      if (checked || !plugin.prevModel) return;
      checked = true;
      assert.equal(s.model.training, true, 'LFL left the model in eval mode');
      s.model.eval();
      const a = s.model.getFeatures!(s.mbX).dataSync();
      s.model.train();
      const p = plugin.prevModel.getFeatures!(s.mbX).dataSync();
      let direct = 0;
      a.forEach((v, i) => (direct += (v - p[i]) ** 2));
      direct /= a.length;
      assert.ok(Math.abs(plugin.penalty(s)!.dataSync()[0] - direct) < 1e-5 * Math.max(1, direct));
      assert.equal(s.grads![model.classifier.namedParameters()[0][1].name], undefined, 'the classifier still gets a gradient');
    },
  };
  const s = new Naive(model, new SGD({ lr: 0.05 }), new CrossEntropyLoss(), { trainMbSize: 16, evaluator: quiet(), plugins: [plugin, probe], seed: 4 });
  await s.train(b.trainStream[0]);
  const classifier = model.classifier.namedParameters().map(([, v]) => v.dataSync().slice());
  await s.train(b.trainStream[1]);
  assert.ok(checked);
  model.classifier.namedParameters().forEach(([, v], i) => assert.deepEqual(v.dataSync(), classifier[i], 'the frozen classifier moved'));
  s.dispose();
  model.dispose();
  assert.throws(() => new LFLPlugin({} as never), /lambdaE is required/);
});

test('MAS: importances are the mean of |gradient of the squared output norm|, blended alpha * old + (1 - alpha) * new', async () => {
  await ready();
  const b = await tiny();
  const model = tinyMLP(5);
  const plugin = new MASPlugin({ lambdaReg: 1, alpha: 0.25 });
  const s = new Naive(model, new SGD({ lr: 0.05 }), new CrossEntropyLoss(), { trainMbSize: 16, evaluator: quiet(), plugins: [plugin], seed: 5 });
  const l2 = (out: tf.Tensor) => tf.mean(tf.sum(tf.square(out), 1)) as tf.Scalar;
  await s.train(b.trainStream[0]);
  const first = directImportance(model, b.trainStream[0].dataset, 16, l2, (g) => tf.abs(g));
  await s.train(b.trainStream[1]);
  const second = directImportance(model, b.trainStream[1].dataset, 16, l2, (g) => tf.abs(g));
  model.namedParameters().forEach(([name], i) => close(plugin.penalty.importance.get(name)!.dataSync(), first[i].map((f, j) => 0.25 * f + 0.75 * second[i][j]), 1e-3, `MAS importance of ${name}`));
  s.dispose();
  model.dispose();
  assert.throws(() => new MASPlugin({ alpha: 2 }), /alpha must be in \[0, 1\], got 2/);
});

test('every new strategy keeps tf.memory().numTensors flat across experiences; dispose frees the frozen copies', async () => {
  await ready();
  const b = await tiny();
  const make: Record<string, (m: SimpleMLP) => BaseStrategy> = {
    EWC: (m) => new EWC(m, new SGD({ lr: 0.05 }), new CrossEntropyLoss(), { ewcLambda: 10, trainMbSize: 32, evaluator: quiet() }),
    SI: (m) => new SynapticIntelligence(m, new SGD({ lr: 0.05 }), new CrossEntropyLoss(), { siLambda: 1, eps: 0.1, trainMbSize: 32, evaluator: quiet() }),
    LwF: (m) => new LwF(m, new SGD({ lr: 0.05 }), new CrossEntropyLoss(), { alpha: 1, trainMbSize: 32, evaluator: quiet() }),
    LFL: (m) => new LFL(m, new SGD({ lr: 0.05 }), new CrossEntropyLoss(), { lambdaE: 1, trainMbSize: 32, evaluator: quiet() }),
    MAS: (m) => new MAS(m, new SGD({ lr: 0.05 }), new CrossEntropyLoss(), { lambdaReg: 1, trainMbSize: 32, evaluator: quiet() }),
  };
  for (const [name, build] of Object.entries(make)) {
    const before = tf.memory().numTensors;
    const model = tinyMLP(6);
    const s = build(model);
    const counts: number[] = [];
    for (const exp of b.trainStream) {
      await s.train(exp);
      await s.eval(b.testStream);
      counts.push(tf.memory().numTensors);
    }
    assert.ok(counts.slice(2).every((c) => c === counts[1]), `${name}: tensors per experience ${counts}`);
    s.dispose();
    model.dispose();
    assert.equal(tf.memory().numTensors, before, `${name} left tensors after dispose`);
  }
});

test('StepLR and CosineAnnealingLR follow PyTorch\'s formulas; LRSchedulerPlugin steps per epoch and resets per experience', async () => {
  await ready();
  const opt = new SGD({ lr: 0.1 });
  const step = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
  const seen: number[] = [];
  for (let e = 0; e < 5; e++) {
    seen.push(opt.lr);
    step.step();
  }
  seen.forEach((lr, i) => assert.ok(Math.abs(lr - [0.1, 0.1, 0.05, 0.05, 0.025][i]) < 1e-12, `StepLR epoch ${i}: ${lr}`));
  const opt2 = new SGD({ lr: 1 });
  const cos = new CosineAnnealingLR(opt2, { tMax: 4, etaMin: 0.2 });
  const lrs = [1, 2, 3, 4].map(() => (cos.step(), opt2.lr));
  // PyTorch: eta_min + (base - eta_min) * (1 + cos(pi t / T_max)) / 2
  [0.8828427, 0.6, 0.3171573, 0.2].forEach((v, i) => assert.ok(Math.abs(lrs[i] - v) < 1e-6, `cosine epoch ${i + 1}: ${lrs[i]}`));
  const b = await tiny();
  const opt3 = new SGD({ lr: 0.2 });
  const epochLrs: number[] = [];
  const s = new Naive(tinyMLP(7), opt3, new CrossEntropyLoss(), {
    trainMbSize: 64, trainEpochs: 3, evaluator: quiet(),
    plugins: [new LRSchedulerPlugin(new StepLR(opt3, { stepSize: 1, gamma: 0.1 })), { beforeTrainingEpoch: () => { epochLrs.push(opt3.lr); } }],
  });
  await s.train(b.trainStream[0]);
  await s.train(b.trainStream[1]);
  epochLrs.forEach((lr, i) => assert.ok(Math.abs(lr - [0.2, 0.02, 0.002, 0.2, 0.02, 0.002][i]) < 1e-9, `epoch ${i}: ${lr}`));
  assert.throws(() => new StepLR(opt, { stepSize: 0 }), /stepSize must be an integer >= 1, got 0/);
  assert.throws(() => new LRSchedulerPlugin({} as never), /scheduler must be an LRScheduler/);
});

test('EarlyStoppingPlugin stops after patience epochs without improvement and restores the best weights', async () => {
  await ready();
  const b = await tiny();
  const model = tinyMLP(8);
  const valStream = b.testStream;
  const seenEpochs: number[] = [];
  const evaluator = new EvaluationPlugin(accuracyMetrics({ stream: true }), lossMetrics({ stream: true }));
  // A huge learning rate after the second epoch makes the validation loss rise: training must stop and roll back.
  const opt = new SGD({ lr: 0.05 });
  const s = new Naive(model, opt, new CrossEntropyLoss(), {
    trainMbSize: 32, trainEpochs: 8, evalEvery: 1, evaluator,
    plugins: [
      new EarlyStoppingPlugin({ patience: 2, valStreamName: 'test', metricName: 'Loss_Stream', mode: 'min' }),
      { afterTrainingEpoch: (st: BaseStrategy) => { seenEpochs.push(st.epoch); if (st.epoch === 1) opt.lr = 50; } },
    ],
  });
  await s.train(b.trainStream[0], { evalStreams: [valStream] });
  const values = evaluator.getAllMetrics()['Loss_Stream/eval_phase/test_stream/Task000'].values as number[];
  assert.ok(seenEpochs.length < 8, `no early stop: epochs ${seenEpochs}`);
  assert.equal(values.length, seenEpochs.length + 1, 'one validation before training and one after each epoch');
  const restored = (await s.eval(valStream))['Loss_Stream/eval_phase/test_stream/Task000'] as number;
  assert.ok(Math.abs(restored - Math.min(...values)) < 1e-5, `restored loss ${restored}, best ${Math.min(...values)} of ${values}`);
  const noEval = new Naive(tinyMLP(9), new SGD({ lr: 0.1 }), new CrossEntropyLoss(), { evaluator: quiet(), plugins: [new EarlyStoppingPlugin({ patience: 1, valStreamName: 'test' })] });
  await assert.rejects(noEval.train(b.trainStream[0]), /EarlyStoppingPlugin needs a validation metric during training: set the strategy option evalEvery/);
});

test('effect on PermutedMNIST (5 experiences, bundled digits): EWC forgets at most 0.7x what Naive forgets', async () => {
  await ready();
  const b = await PermutedMNIST({ nExperiences: 5, seed: 1, source: 'bundled' });
  const forgetting: Record<string, number> = {};
  for (const name of ['Naive', 'EWC']) {
    const evaluator = new EvaluationPlugin(accuracyMetrics({ stream: true }), forgettingMetrics({ stream: true }));
    const model = new SimpleMLP({ numClasses: 10, seed: 1 });
    const options = { trainMbSize: 128, trainEpochs: 2, evalMbSize: 1000, evaluator, seed: 1 };
    const s = name === 'EWC' ? new EWC(model, new SGD({ lr: 0.01, momentum: 0.9 }), new CrossEntropyLoss(), { ...options, ewcLambda: 1000 }) : new Naive(model, new SGD({ lr: 0.01, momentum: 0.9 }), new CrossEntropyLoss(), options);
    for (const exp of b.trainStream) {
      await s.train(exp);
      await s.eval(b.testStream);
    }
    forgetting[name] = evaluator.getLastMetrics()['StreamForgetting/eval_phase/test_stream'] as number;
    s.dispose();
    model.dispose();
  }
  assert.ok(forgetting.Naive > 0.03, JSON.stringify(forgetting));
  assert.ok(forgetting.EWC <= 0.7 * forgetting.Naive, JSON.stringify(forgetting));
});

test('effect on class-incremental SplitMNIST: LwF and LFL end above Naive', async () => {
  await ready();
  const b = await SplitMNIST({ nExperiences: 5, seed: 1, source: 'bundled' });
  const final: Record<string, number> = {};
  for (const name of ['Naive', 'LwF', 'LFL']) {
    const evaluator = new EvaluationPlugin(accuracyMetrics({ stream: true }));
    const model = new SimpleMLP({ numClasses: 10, seed: 1 });
    const opt = new SGD({ lr: 0.01, momentum: 0.9 });
    const options = { trainMbSize: 128, trainEpochs: 2, evalMbSize: 1000, evaluator, seed: 1 };
    const s = name === 'LwF' ? new LwF(model, opt, new CrossEntropyLoss(), { ...options, alpha: [0, 0.5, 1.33333, 2.25, 3.2], temperature: 2 })
      : name === 'LFL' ? new LFL(model, opt, new CrossEntropyLoss(), { ...options, lambdaE: 1 })
        : new Naive(model, opt, new CrossEntropyLoss(), options);
    for (const exp of b.trainStream) await s.train(exp);
    final[name] = (await s.eval(b.testStream))['Top1_Acc_Stream/eval_phase/test_stream/Task000'] as number;
    s.dispose();
    model.dispose();
  }
  assert.ok(final.LwF > final.Naive + 0.03, JSON.stringify(final));
  assert.ok(final.LFL > final.Naive + 0.03, JSON.stringify(final));
});

test('task-incremental SplitMNIST with MTSimpleMLP: every strategy near 0.97, and the regularizers\' penalties are non-zero and move the weights', async () => {
  await ready();
  const b = await SplitMNIST({ nExperiences: 5, seed: 1, returnTaskId: true, source: 'bundled' });
  const results: Record<string, { acc: number; penalty: number; weights: Float32Array }> = {};
  const penaltyOf: Record<string, (s: BaseStrategy) => number> = {
    EWC: (s) => (s as EWC).ewcPlugin.penalty.term(s.model, 'test').dataSync()[0],
    SI: (s) => (s as SynapticIntelligence).siPlugin.penalty.term(s.model, 'test').dataSync()[0],
    MAS: (s) => (s as MAS).masPlugin.penalty.term(s.model, 'test').dataSync()[0],
    LwF: (s) => (s as LwF).lwfPlugin.penalty(s)?.dataSync()[0] ?? 0,
  };
  for (const name of ['Naive', 'EWC', 'SI', 'MAS', 'LwF']) {
    const model = new MTSimpleMLP({ seed: 1 });
    const opt = new SGD({ lr: 0.01, momentum: 0.9 });
    const options = { trainMbSize: 128, trainEpochs: 2, evalMbSize: 1000, evaluator: new EvaluationPlugin(accuracyMetrics({ stream: true })), seed: 1 };
    const s = name === 'EWC' ? new EWC(model, opt, new CrossEntropyLoss(), { ...options, ewcLambda: 1000 })
      // SGD's steps make small path integrals: SI needs a large lambda here to act (with Adam, as the baselines, 1 does).
      : name === 'SI' ? new SynapticIntelligence(model, opt, new CrossEntropyLoss(), { ...options, siLambda: 1e4, eps: 0.1 })
        : name === 'MAS' ? new MAS(model, opt, new CrossEntropyLoss(), { ...options, lambdaReg: 1 })
          : name === 'LwF' ? new LwF(model, opt, new CrossEntropyLoss(), { ...options, alpha: 1 })
            : new Naive(model, opt, new CrossEntropyLoss(), options);
    let penalty = 0;
    const probe = { afterTrainingIteration(st: BaseStrategy) { if (name in penaltyOf && st.mbIt === 10) penalty = Math.max(penalty, penaltyOf[name](st)); } };
    s.plugins.push(probe);
    for (const exp of b.trainStream) await s.train(exp);
    const res = await s.eval(b.testStream);
    const accs = Object.entries(res).filter(([k]) => k.startsWith('Top1_Acc_Stream')).map(([, v]) => v as number);
    results[name] = { acc: accs.reduce((a, x) => a + x, 0) / accs.length, penalty, weights: Float32Array.from(model.trainableVariables[0].dataSync()) };
    s.dispose();
    model.dispose();
  }
  for (const [name, r] of Object.entries(results)) {
    assert.ok(r.acc > 0.93, `${name}: mean task accuracy ${r.acc}`);
    if (name === 'Naive') continue;
    assert.ok(r.penalty > 0, `${name}: penalty ${r.penalty}`);
    let moved = 0;
    r.weights.forEach((w, i) => (moved = Math.max(moved, Math.abs(w - results.Naive.weights[i]))));
    assert.ok(moved > 1e-3, `${name}: the shared weights end where Naive's do (${moved})`);
  }
});
