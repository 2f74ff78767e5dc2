import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  Adam, BaseStrategy, MetricResult, CrossEntropyLoss, DataLoader, EvaluationPlugin, Naive, SGD, SimpleMLP, SplitMNIST,
  StrategyPlugin, STRATEGY_EVENTS, accuracyMetrics, lossMetrics, NCBenchmark, metricName,
} from 'avalanche-ts';
import { ready } from './helpers';

const ACC = 'Top1_Acc_Stream/eval_phase/test_stream/Task000';
let benchmark: NCBenchmark;

async function bench(): Promise<NCBenchmark> {
  benchmark ??= await SplitMNIST({ nExperiences: 5, seed: 1234, source: 'bundled' });
  return benchmark;
}

function quietEvaluator(): EvaluationPlugin {
  return new EvaluationPlugin(accuracyMetrics({ epoch: true, experience: true, stream: true }), lossMetrics({ epoch: true, experience: true, stream: true }));
}

function tutorialStrategy(seed: number, extra: Record<string, unknown> = {}) {
  const model = new SimpleMLP({ numClasses: 10, seed });
  return new Naive(model, new SGD({ lr: 0.001, momentum: 0.9 }), new CrossEntropyLoss(), {
    trainMbSize: 500, trainEpochs: 1, evalMbSize: 100, seed, evaluator: quietEvaluator(), ...extra,
  });
}

test('the template fires Avalanche\'s events in order, to class and plain-object plugins, then the evaluator', async () => {
  await ready();
  const b = await bench();
  const seen: string[] = [];
  const plain: Record<string, (s: BaseStrategy) => void> = {};
  for (const e of STRATEGY_EVENTS) plain[e] = () => { seen.push(e); };
  class Recorder extends StrategyPlugin {
    order: string[] = [];
    override beforeTrainingExp() { this.order.push('plugin'); }
  }
  const rec = new Recorder();
  const evaluator = quietEvaluator();
  const original = (evaluator as unknown as Record<string, (s: BaseStrategy) => void>).beforeTrainingExp;
  (evaluator as unknown as Record<string, (s: BaseStrategy) => unknown>).beforeTrainingExp = (s) => { rec.order.push('evaluator'); return original(s); };
  const s = tutorialStrategy(1, { plugins: [plain, rec], evaluator, trainMbSize: 1000 });
  await s.train(b.trainStream[0]);
  const iterations = Math.ceil(b.trainStream[0].dataset.length / 1000);
  const iteration = ['beforeTrainingIteration', 'beforeForward', 'afterForward', 'beforeBackward', 'afterBackward', 'beforeUpdate', 'afterUpdate', 'afterTrainingIteration'];
  assert.deepEqual(seen, [
    'beforeTraining', 'beforeTrainDatasetAdaptation', 'afterTrainDatasetAdaptation', 'beforeTrainingExp', 'beforeTrainingEpoch',
    ...Array.from({ length: iterations }, () => iteration).flat(),
    'afterTrainingEpoch', 'afterTrainingExp', 'afterTraining',
  ]);
  assert.deepEqual(rec.order, ['plugin', 'evaluator']);
  seen.length = 0;
  await s.eval(b.testStream.slice(0, 1));
  const evalIter = ['beforeEvalIteration', 'beforeEvalForward', 'afterEvalForward', 'afterEvalIteration'];
  assert.deepEqual(seen, ['beforeEval', 'beforeEvalDatasetAdaptation', 'afterEvalDatasetAdaptation', 'beforeEvalExp',
    ...Array.from({ length: Math.ceil(b.testStream[0].dataset.length / 100) }, () => evalIter).flat(), 'afterEvalExp', 'afterEval']);
});

test('a plugin can replace strategy.dataloader in beforeTrainingExp (the tutorial\'s replay pattern)', async () => {
  await ready();
  const b = await bench();
  const replacement = new DataLoader(b.trainStream[1].dataset, { batchSize: 100, shuffle: true, seed: 3 });
  const seenTargets = new Set<number>();
  const plugin = {
    beforeTrainingExp(strategy: BaseStrategy) { strategy.dataloader = replacement; },
    afterTrainingIteration(strategy: BaseStrategy) { strategy.mbatch!.targetsHost!.forEach((t) => seenTargets.add(t)); },
  };
  const s = tutorialStrategy(2, { plugins: [plugin] });
  await s.train(b.trainStream[0]);
  assert.deepEqual([...seenTargets].sort(), [...b.trainStream[1].classesInThisExperience]);
  assert.equal(s.clock.trainIterations, replacement.length);
});

test('a loss term added in beforeBackward is differentiated; async hooks there are refused', async () => {
  await ready();
  const b = await bench();
  const lossPlugin = (scale: number) => ({
    beforeBackward(strategy: BaseStrategy) {
      const w = strategy.model.trainableVariables[3];
      strategy.loss = tf.add(strategy.loss!, tf.mul(tf.sum(w), scale)) as tf.Scalar;
    },
  });
  const s = tutorialStrategy(3, { plugins: [lossPlugin(10000)], trainMbSize: 2000 });
  const before = s.model.trainableVariables[3].dataSync().slice();
  await s.train(b.trainStream[0]);
  const after = s.model.trainableVariables[3].dataSync();
  // d(10000*sum(b))/db = 10000 for each bias: with lr 0.001 every bias moves down by about 10.
  for (let i = 0; i < after.length; i++) assert.ok(after[i] < before[i] - 1, `bias ${i} moved by the penalty`);
  const bad = tutorialStrategy(3, { plugins: [{ async afterForward() {} }] });
  await assert.rejects(bad.train(b.trainStream[0]), /afterForward hook of plugins\[0\] returned a Promise/);
});

test('the loss metric reports the criterion plus the plugins\' terms, as Avalanche\'s (which reads strategy.loss)', async () => {
  await ready();
  const b = await bench();
  const losses: Record<string, number> = {};
  for (const [name, extra] of [['plain', 0], ['plus5', 5]] as const) {
    const s = tutorialStrategy(4, { plugins: extra ? [{ beforeBackward(st: BaseStrategy) { st.loss = tf.add(st.loss!, extra) as tf.Scalar; } }] : [] });
    await s.train(b.trainStream[0]);
    losses[name] = s.evaluator.getLastMetrics()['Loss_Epoch/train_phase/train_stream/Task000'] as number;
    s.dispose();
  }
  assert.ok(Math.abs(losses.plus5 - losses.plain - 5) < 1e-4, JSON.stringify(losses));
});

test('gradients a plugin replaces or projects in afterBackward/beforeUpdate are the ones applied; the replaced ones are freed', async () => {
  await ready();
  const b = await bench();
  const zeroing = {
    beforeUpdate(st: BaseStrategy) {
      const replaced: tf.NamedTensorMap = {};
      for (const [k, g] of Object.entries(st.grads!)) replaced[k] = tf.zerosLike(g);
      st.grads = replaced;
    },
  };
  const halving = { afterBackward(st: BaseStrategy) { for (const k of Object.keys(st.grads!)) st.grads![k] = tf.mul(st.grads![k], 0.5); } };
  const s = tutorialStrategy(5, { plugins: [zeroing] });
  const before = s.model.trainableVariables.map((v) => v.dataSync().slice());
  await s.train(b.trainStream[0]);
  const tensors = tf.memory().numTensors;
  await s.train(b.trainStream[1]);
  assert.equal(tf.memory().numTensors, tensors, 'replaced gradients leak');
  s.model.trainableVariables.forEach((v, i) => assert.deepEqual(v.dataSync(), before[i], `variable ${i} changed though its gradient was zeroed`));
  // Halving every gradient in afterBackward equals halving the learning rate (plain SGD).
  const run = async (lr: number, plugins: object[]) => {
    const st = new Naive(new SimpleMLP({ seed: 6, dropRate: 0 }), new SGD({ lr }), new CrossEntropyLoss(), { trainMbSize: 500, seed: 6, plugins, evaluator: quietEvaluator() });
    await st.train(b.trainStream[0]);
    return st.model.trainableVariables.map((v) => Array.from(v.dataSync()));
  };
  const halved = await run(0.1, [halving]);
  const slower = await run(0.05, []);
  halved.forEach((w, i) => w.forEach((x, j) => assert.ok(Math.abs(x - slower[i][j]) < 1e-5, `variable ${i}[${j}]: ${x} vs ${slower[i][j]}`)));
});

test('a trainable variable that never gets a gradient is reported once with a warning', async () => {
  await ready();
  const b = await bench();
  const inner = new SimpleMLP({ seed: 7 });
  const unused = tf.variable(tf.zeros([3]), true, 'forgotten_head');
  const model = {
    get trainableVariables() { return [...inner.trainableVariables, unused]; },
    get training() { return inner.training; },
    forward: (x: tf.Tensor) => inner.forward(x),
    train: () => inner.train(),
    eval: () => inner.eval(),
    dispose: () => { inner.dispose(); unused.dispose(); },
  };
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => warnings.push(a.join(' '));
  try {
    const s = new Naive(model as never, new SGD({ lr: 0.01 }), new CrossEntropyLoss(), { trainMbSize: 500, evaluator: quietEvaluator() });
    await s.train(b.trainStream[0]);
    await s.train(b.trainStream[1]);
  } finally {
    console.warn = warn;
  }
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /trainable variable 'forgotten_head' got no gradient in any training iteration so far, so it never trains/);
  model.dispose();
});

test('a plugin method that looks like a hook but is none (snake_case, near misses) gets one warning naming the hook meant; real hooks and other methods none', async () => {
  await ready();
  const b = await bench();
  class AvalancheStylePlugin extends StrategyPlugin {
    after_training_exp(): void {}
    afterTrainingExperience(): void {}
    beforeTrainingEpochs(): void {}
    AfterEval(): void {}
    override afterTrainingIteration(): void {}
    computePenalty(): void {}
    afterwards(): void {}
  }
  const plain = { before_training_exp() {}, beforeEvalIter() {} };
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => warnings.push(a.join(' '));
  try {
    const s = tutorialStrategy(1, { plugins: [new AvalancheStylePlugin(), plain] });
    await s.train(b.trainStream[0]);
    await s.eval(b.testStream[0]);
    await s.train(b.trainStream[1]);
  } finally {
    console.warn = warn;
  }
  const meant = warnings.map((w) => /has a method '(\w+)', which is not a strategy event and is never called: did you mean '(\w+)'\?/.exec(w)?.slice(1, 3).join(' -> '));
  assert.deepEqual(meant.sort(), [
    'AfterEval -> afterEval', 'afterTrainingExperience -> afterTrainingExp', 'after_training_exp -> afterTrainingExp',
    'beforeEvalIter -> beforeEvalIteration', 'beforeTrainingEpochs -> beforeTrainingEpoch', 'before_training_exp -> beforeTrainingExp',
  ], warnings.join('\n'));
  assert.ok(warnings.some((w) => w.startsWith("avalanche-ts: AvalancheStylePlugin (plugins[0]) has a method 'after_training_exp'")), warnings.join('\n'));
  assert.ok(warnings.some((w) => w.startsWith("avalanche-ts: plugins[1] has a method 'before_training_exp'")), warnings.join('\n'));
});

test('no tensor leaks across experiences; same seed gives identical metrics; Naive forgets', async () => {
  await ready();
  const b = await bench();
  const run = async (seed: number) => {
    const s = tutorialStrategy(seed);
    const counts: number[] = [];
    const results: Record<string, MetricResult>[] = [];
    for (const exp of b.trainStream) {
      await s.train(exp);
      results.push(await s.eval(b.testStream));
      counts.push(tf.memory().numTensors);
    }
    s.model.dispose();
    return { counts, results };
  };
  const a = await run(42);
  assert.ok(a.counts.every((c) => c === a.counts[0]), `numTensors per experience: ${a.counts}`);
  const again = await run(42);
  assert.deepEqual(again.results, a.results);
  const other = await run(43);
  assert.notDeepEqual(other.results[4], a.results[4]);
  const final = a.results[4][ACC] as number;
  assert.ok(final > 0.12 && final < 0.35, `final stream accuracy ${final}`);
  // With the tutorial's 4 SGD steps per experience, training moves the model toward the current experience.
  const loss4 = 'Loss_Exp/eval_phase/test_stream/Task000/Exp004';
  assert.ok((a.results[4][loss4] as number) < (a.results[3][loss4] as number), `loss on experience 4: ${a.results[3][loss4]} -> ${a.results[4][loss4]}`);
});

test('with enough steps an experience is learned (accuracy > 0.9 on its test data)', async () => {
  await ready();
  const b = await bench();
  const s = new Naive(new SimpleMLP({ seed: 4 }), new SGD({ lr: 0.05, momentum: 0.9 }), new CrossEntropyLoss(), {
    trainMbSize: 50, trainEpochs: 2, evalMbSize: 200, seed: 4, evaluator: quietEvaluator(),
  });
  await s.train(b.trainStream[0]);
  const res = await s.eval(b.testStream[0]);
  assert.ok((res['Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp000'] as number) > 0.9, JSON.stringify(res));
  s.model.dispose();
});

test('optimizer state is reset at each experience', async () => {
  await ready();
  const b = await bench();
  const opt = new SGD({ lr: 0.001, momentum: 0.9 });
  let resets = 0;
  const reset = opt.reset.bind(opt);
  opt.reset = () => { resets++; reset(); };
  const s = new Naive(new SimpleMLP({ seed: 1 }), opt, new CrossEntropyLoss(), { trainMbSize: 500, evaluator: quietEvaluator(), seed: 1 });
  await s.train(b.trainStream.slice(0, 3));
  assert.equal(resets, 3);
});

test('SGD and Adam follow PyTorch\'s update rules', async () => {
  await ready();
  const v = tf.variable(tf.tensor1d([1, -2]), true, 'sgd-test');
  const g = { 'sgd-test': tf.tensor1d([0.5, 1]) };
  const sgd = new SGD({ lr: 0.1, momentum: 0.9, weightDecay: 0.01 });
  sgd.step([v], g); // buf = g + wd*p = [0.51, 0.98]; p -= 0.1*buf
  sgd.step([v], g); // buf = 0.9*buf + g + wd*p
  const p1 = [1 - 0.051, -2 - 0.098];
  const buf2 = [0.9 * 0.51 + 0.5 + 0.01 * p1[0], 0.9 * 0.98 + 1 + 0.01 * p1[1]];
  const expected = [p1[0] - 0.1 * buf2[0], p1[1] - 0.1 * buf2[1]];
  v.dataSync().forEach((x, i) => assert.ok(Math.abs(x - expected[i]) < 1e-6));

  const w = tf.variable(tf.tensor1d([1]), true, 'adam-test');
  const adam = new Adam({ lr: 0.01 });
  adam.step([w], { 'adam-test': tf.tensor1d([2]) });
  // First Adam step moves by lr * sign(g) (bias-corrected m/sqrt(v) = 1).
  assert.ok(Math.abs(w.dataSync()[0] - 0.99) < 1e-6);
  assert.throws(() => new SGD({ lr: 0 }), /lr must be a finite number > 0, got 0/);
  assert.throws(() => new SGD({ lr: 0.1, momentum: -1 }), /momentum must be a finite number >= 0, got -1/);
  assert.throws(() => new Adam({ learningRate: 1 } as never), /Adam: unknown option 'learningRate'/);
});

test('CrossEntropyLoss equals -mean(log softmax[target]); its hand-written gradient equals autodiff', async () => {
  await ready();
  const logits = tf.tensor2d([[1, 2, 3], [0, 0, 0]]);
  const targets = tf.tensor1d([2, 0], 'int32');
  const ce = new CrossEntropyLoss();
  const loss = ce.forward(logits, targets).dataSync()[0];
  const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
  assert.ok(Math.abs(loss - ((lse - 3) + Math.log(3)) / 2) < 1e-5);
  const x = tf.tensor2d([[0.3, -1.2, 2.0, 0.1], [1.5, 0.2, -0.7, 0.0], [-0.4, 0.9, 0.3, 2.2]]);
  const y = tf.tensor1d([3, 0, 1], 'int32');
  const reference = (l: tf.Tensor) => tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(y, 4), tf.logSoftmax(l as tf.Tensor2D)), 1))) as tf.Scalar;
  const fast = tf.grad((l: tf.Tensor) => ce.forward(l, y))(x).dataSync();
  const auto = tf.grad(reference)(x).dataSync();
  fast.forEach((v, i) => assert.ok(Math.abs(v - auto[i]) < 1e-6, `gradient ${i}: ${v} vs ${auto[i]}`));
});

test('bad strategy arguments are clear errors before training', async () => {
  const model = new SimpleMLP({ seed: 1 });
  const make = (o: Record<string, unknown>) => new Naive(model, new SGD({ lr: 0.1 }), new CrossEntropyLoss(), o);
  assert.throws(() => make({ trainMbSize: 0 }), /trainMbSize must be an integer >= 1, got 0/);
  assert.throws(() => make({ evalMbSize: -5 }), /evalMbSize must be an integer >= 1, got -5/);
  assert.throws(() => make({ trainEpochs: 0 }), /trainEpochs must be an integer >= 1, got 0/);
  assert.throws(() => make({ trainEpochs: 1.5 }), /trainEpochs must be an integer >= 1, got 1.5/);
  assert.throws(() => make({ train_mb_size: 5 }), /strategy: unknown option 'train_mb_size'; allowed options: trainMbSize/);
  assert.throws(() => new Naive({} as never, new SGD({ lr: 0.1 }), new CrossEntropyLoss()), /model must be a CLModel/);
  await ready();
  const b = await bench();
  const small = new Naive(new SimpleMLP({ numClasses: 5, seed: 1 }), new SGD({ lr: 0.1 }), new CrossEntropyLoss(), { trainMbSize: 100, evaluator: quietEvaluator() });
  const exp = b.trainStream.find((e) => e.classesInThisExperience.some((c) => c >= 5))!;
  await assert.rejects(small.train(exp), /target class \d is outside the model's 5 outputs \(allowed: 0..4\); check numClasses/);
});

test('metric names follow Avalanche: {metric}/{phase}_phase/{stream}_stream/Task{task}/Exp{exp}', async () => {
  await ready();
  const b = await bench();
  const s = tutorialStrategy(9);
  await s.train(b.trainStream[0]);
  const res = await s.eval(b.testStream.slice(0, 2));
  assert.deepEqual(Object.keys(res).sort(), [
    'Loss_Epoch/train_phase/train_stream/Task000',
    'Loss_Exp/eval_phase/test_stream/Task000/Exp000',
    'Loss_Exp/eval_phase/test_stream/Task000/Exp001',
    'Loss_Stream/eval_phase/test_stream/Task000',
    'Top1_Acc_Epoch/train_phase/train_stream/Task000',
    'Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp000',
    'Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp001',
    'Top1_Acc_Stream/eval_phase/test_stream/Task000',
  ]);
  // Stream accuracy = sample-weighted mean of the experience accuracies.
  const n0 = b.testStream[0].dataset.length;
  const n1 = b.testStream[1].dataset.length;
  const acc = (name: string) => res[name] as number;
  const weighted = (acc('Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp000') * n0 + acc('Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp001') * n1) / (n0 + n1);
  assert.ok(Math.abs(weighted - acc(ACC)) < 1e-6);
  assert.equal(typeof metricName, 'function');
});

test('accuracy and loss metrics split by task label with multi-task benchmarks', async () => {
  await ready();
  const b = await SplitMNIST(5, { returnTaskId: true, seed: 1, source: 'bundled' });
  const s = new Naive(new SimpleMLP({ seed: 1 }), new SGD({ lr: 0.01 }), new CrossEntropyLoss(), { trainMbSize: 500, evalMbSize: 500, evaluator: quietEvaluator() });
  const res = await s.eval(b.testStream.slice(0, 3));
  for (const t of [0, 1, 2]) {
    assert.ok(`Top1_Acc_Stream/eval_phase/test_stream/Task00${t}` in res);
    assert.ok(`Top1_Acc_Exp/eval_phase/test_stream/Task00${t}/Exp00${t}` in res);
  }
  // Accuracy on fixed predictions: an untrained model evaluated twice gives the same numbers.
  assert.deepEqual(await s.eval(b.testStream.slice(0, 3)), res);
});

test('strategy.dispose() and model.dispose() free every tensor a run made', async () => {
  await ready();
  const b = await bench();
  const before = tf.memory().numTensors;
  const model = new SimpleMLP({ seed: 8 });
  const evaluator = new EvaluationPlugin(accuracyMetrics({ minibatch: true, epoch: true, experience: true, stream: true }), lossMetrics({ epochRunning: true, stream: true }));
  const s = new Naive(model, new Adam({ lr: 0.001 }), new CrossEntropyLoss(), { trainMbSize: 500, evalMbSize: 500, evaluator, seed: 8 });
  await s.train(b.trainStream.slice(0, 2));
  await s.eval(b.testStream);
  assert.ok(tf.memory().numTensors > before);
  s.dispose();
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});
