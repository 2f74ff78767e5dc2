/**
 * How a strategy lives in a long-running process: one run at a time, stopping through an
 * AbortSignal, hooks that throw, seeds given as options, loggers that close, clear messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import {
  BaseStrategy, CSVLogger, CrossEntropyLoss, DataLoader, EvaluationPlugin, NCBenchmark, Naive, PluginHookError, SGD, SimpleMLP, SplitMNIST,
  StrategyInterruptedError, StrategyPlugin, TensorboardLogger, TextLogger, accuracyMetrics, lossMetrics,
} from 'avalanche-ts';
import { ready, repoRoot, tempDir } from './helpers';

let benchmark: NCBenchmark;
async function bench(): Promise<NCBenchmark> {
  benchmark ??= await SplitMNIST({ nExperiences: 5, seed: 1234, source: 'bundled' });
  return benchmark;
}

/** An evaluator with no metrics: every tensor left after a run is then the strategy's. */
const bareEvaluator = () => ({ getLastMetrics: () => ({}) });

function strategy(extra: Record<string, unknown> = {}) {
  return new Naive(new SimpleMLP({ numClasses: 10, seed: 1 }), new SGD({ lr: 0.01 }), new CrossEntropyLoss(), {
    trainMbSize: 100, evalMbSize: 500, seed: 1, evaluator: bareEvaluator(), ...extra,
  });
}

test('one run at a time: a second train or eval while a run is going is refused, and the first run is unharmed', async () => {
  await ready();
  const b = await bench();
  const st = strategy();
  const first = st.train(b.trainStream[0]);
  await assert.rejects(st.eval(b.testStream), /eval: this strategy is already running train .*`await` each train\/eval call before starting the next one/);
  await assert.rejects(st.train(b.trainStream[1]), /train: this strategy is already running train/);
  assert.throws(() => st.dispose(), /dispose: this strategy is still running train; await it/);
  await first;
  assert.equal(st.clock.trainIterations, Math.ceil(b.trainStream[0].dataset.length / 100), 'the refused calls did not add iterations');
  const evals = [st.eval(b.testStream[0]), st.eval(b.testStream[1])];
  const settled = await Promise.allSettled(evals);
  assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected']);
  await st.train(b.trainStream[1]); // free again
  st.dispose();
});

test('an eval from a plugin hook inside the same strategy\'s train is nested, not refused, and leaves the training state as it was', async () => {
  await ready();
  const b = await bench();
  const seen: unknown[] = [];
  const st = strategy({
    plugins: [{
      async afterTrainingEpoch(s: BaseStrategy) {
        const loader = s.dataloader;
        await s.eval(b.testStream[0]);
        seen.push(s.isTraining, s.experience?.currentExperience, s.dataloader === loader);
      },
    }],
  });
  await st.train(b.trainStream[2]);
  assert.deepEqual(seen, [true, 2, true]);
});

test('AbortSignal: train and eval stop at the next mini-batch with StrategyInterruptedError; the strategy is consistent and trains again', async () => {
  await ready();
  const b = await bench();
  const controller = new AbortController();
  let stopAt = -1;
  // In afterTrainingIteration the clock has not counted the iteration just done yet (as Avalanche's).
  const st = strategy({ plugins: [{ afterTrainingIteration(s: BaseStrategy) { if (s.clock.trainIterations + 1 === stopAt) controller.abort(new Error('enough')); } }] });
  await st.train(b.trainStream[0], { signal: new AbortController().signal }); // warm-up: allocates the optimizer state
  const before = tf.memory().numTensors;
  const done = st.clock.trainIterations;
  stopAt = done + 3;
  const err = await st.train(b.trainStream[1], { signal: controller.signal }).then(() => null, (e) => e);
  assert.ok(err instanceof StrategyInterruptedError, String(err));
  assert.match(err.message, /^train interrupted by signal aborted: enough, after \d+ training iterations \(experience \d, epoch 0, mini-batch \d\); the strategy is ready to train or evaluate again$/);
  assert.equal((err.cause as Error).message, 'enough');
  assert.equal(st.clock.trainIterations, done + 3, 'only finished iterations are counted');
  assert.equal(st.isTraining, false);
  assert.equal(st.experience, null);
  assert.equal(st.mbatch, null);
  assert.equal(tf.memory().numTensors, before, 'the interrupted iteration\'s tensors were freed');
  // An already aborted signal: nothing runs.
  const aborted = new AbortController();
  aborted.abort();
  const iterations = st.clock.trainIterations;
  await assert.rejects(st.train(b.trainStream[1], { signal: aborted.signal }), StrategyInterruptedError);
  assert.equal(st.clock.trainIterations, iterations);
  await assert.rejects(st.eval(b.testStream, { signal: aborted.signal }), /^StrategyInterruptedError: eval interrupted by signal aborted/);
  await assert.rejects(st.train(b.trainStream[1], { signal: 'stop' as never }), /train: options.signal must be an AbortSignal/);
  await assert.rejects(st.train(b.trainStream[1], { sigal: aborted.signal } as never), /train: unknown option 'sigal'; allowed options: signal/);
  await st.train(b.trainStream[2]);
  assert.equal(tf.memory().numTensors, before);
});

test('a throwing hook: the error names the hook and the plugin, the state is reset and the iteration tensors freed', async () => {
  await ready();
  const b = await bench();
  class Exploding extends StrategyPlugin {
    armed = false;
    override afterTrainingIteration(s: BaseStrategy) {
      if (this.armed && s.mbIt === 2) throw new TypeError('bad value in my plugin');
    }
  }
  const exploding = new Exploding();
  const st = strategy({ plugins: [{ beforeTraining() {} }, exploding] });
  await st.train(b.trainStream[0]);
  const before = tf.memory().numTensors;
  exploding.armed = true;
  const err = await st.train(b.trainStream[1]).then(() => null, (e) => e);
  assert.ok(err instanceof PluginHookError, String(err));
  assert.equal(err.message, 'the afterTrainingIteration hook of Exploding (plugins[1]) threw: TypeError: bad value in my plugin');
  assert.equal(err.event, 'afterTrainingIteration');
  assert.ok(err.cause instanceof TypeError);
  assert.match(err.stack!, /runControl\.test\.js/, 'the stack shows the plugin\'s own code');
  assert.deepEqual([st.isTraining, st.experience, st.mbatch, st.mbOutput, st.loss, st.grads], [false, null, null, null, null, null]);
  assert.equal(tf.memory().numTensors, before, 'no tensor of the failed iteration is left');
  exploding.armed = false;
  await st.train(b.trainStream[1]);
  assert.equal(tf.memory().numTensors, before);
  // A plain-object plugin is named by its position; an eval hook too.
  const plain = strategy({ plugins: [{ beforeEvalExp() { throw new Error('nope'); } }] });
  await assert.rejects(plain.eval(b.testStream[0]), /^PluginHookError: the beforeEvalExp hook of plugins\[0\] threw: Error: nope$/);
  assert.equal(plain.isTraining, false);
});

test('seeds given as options only reproduce Naive and Replay across processes (every metric value)', () => {
  const script = `
    const L = require(${JSON.stringify(path.join(repoRoot, 'kernel-lib'))});
    (async () => {
      const out = {};
      for (const kind of ['Naive', 'Replay']) {
        const scenario = await L.SplitMNIST({ nExperiences: 5, seed: 1234, source: 'bundled' });
        const evaluator = new L.EvaluationPlugin(L.accuracyMetrics({ epoch: true, experience: true, stream: true }), L.lossMetrics({ epoch: true, stream: true }));
        const model = new L.SimpleMLP({ numClasses: scenario.nClasses, seed: 1234 });
        const st = new L[kind](model, new L.SGD({ lr: 0.01, momentum: 0.9 }), new L.CrossEntropyLoss(),
          { trainMbSize: 200, evalMbSize: 1000, seed: 1234, evaluator, ...(kind === 'Replay' ? { memSize: 200 } : {}) });
        for (const exp of scenario.trainStream) { await st.train(exp); await st.eval(scenario.testStream); }
        out[kind] = evaluator.getAllMetrics();
        if (kind === 'Replay') out.buffer = Array.from(st.replayPlugin.storagePolicy.buffer.sampleIds);
      }
      console.log(JSON.stringify(out));
    })();`;
  const runs = [0, 1].map(() => {
    // A different clock per process: the global generator is seeded by it.
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, AVALANCHE_TS_BACKEND: 'wasm' } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!);
  });
  assert.ok(Object.keys(runs[0].Replay).length > 5);
  assert.deepEqual(runs[0].Naive, runs[1].Naive);
  assert.deepEqual(runs[0].buffer, runs[1].buffer, 'Replay\'s buffer holds the same samples');
  assert.deepEqual(runs[0].Replay, runs[1].Replay);
});

test('loggers close their files; strategy.dispose() closes what its evaluator opened: open descriptors stay flat over runs', async () => {
  await ready();
  const b = await bench();
  const dir = tempDir();
  const openFds = () => fs.readdirSync('/proc/self/fd').length;
  const run = async () => {
    const evaluator = new EvaluationPlugin(accuracyMetrics({ epoch: true, experience: true }), lossMetrics({ epoch: true }), {
      loggers: [new TextLogger(path.join(dir, 'log.txt')), new CSVLogger(path.join(dir, 'csv')), new TensorboardLogger({ logDir: path.join(dir, 'tb') })],
    });
    const st = strategy({ evaluator });
    await st.train(b.trainStream[0]);
    await st.eval(b.testStream[0]);
    st.dispose();
    st.model.dispose();
    return evaluator;
  };
  await run();
  const fds = openFds();
  for (let i = 0; i < 4; i++) await run();
  assert.equal(openFds(), fds, 'each run left files open');
  const text = new TextLogger(path.join(dir, 'log.txt'));
  text.close();
  text.close(); // idempotent
  assert.throws(() => (text as unknown as { write(t: string): void }).write('x'), /TextLogger: '.*log.txt' was closed by close\(\); create a new logger to write again/);
  assert.ok(fs.readFileSync(path.join(dir, 'log.txt'), 'utf8').split('Top1_Acc_Epoch').length > 5, 'the log was appended to by every run');
});

test('clear messages: a single sample, a plain array, a data set passed as a stream, a disposed model', async () => {
  await ready();
  const b = await bench();
  const model = new SimpleMLP({ seed: 1 });
  assert.throws(() => model.forward(tf.zeros([784])), /SimpleMLP: x must be a batch of samples, shape \[batch, 784\] \(or \[batch, 28, 28\]\); got shape \[784\]: for one sample use x.expandDims\(0\)/);
  assert.throws(() => model.forward([[0, 1]] as never), /SimpleMLP: x must be a tf.Tensor of shape \[batch, 784\] .*got a plain Array: wrap it with tf.tensor2d\(rows\)/);
  assert.throws(() => model.forward(tf.zeros([2, 100])), /SimpleMLP: each sample of x must hold 784 values \(inputSize\); got shape \[2,100\], 100 values per sample/);
  const st = strategy();
  await assert.rejects(st.eval(b.testStream[0].dataset as never), /eval: stream must be an experience of a benchmark stream \(e.g. scenario.testStream\), got a ClassificationDataset \(a data set, not an experience\)/);
  await assert.rejects(st.train([b.trainStream[0], [1, 2]] as never), /train: experiences\[1\] must be an experience of a benchmark stream .*got an Array of length 2/);
  assert.throws(() => new DataLoader(b.trainStream[0] as never), /DataLoader: dataset must be a ClassificationDataset \(e.g. experience.dataset\), got a .* \(an experience: pass experience.dataset\)/);
  st.model.dispose();
  await assert.rejects(st.train(b.trainStream[0]), /layer features.0 has been disposed \(model.dispose\(\) was called\): create a new model to train or evaluate/);
});
