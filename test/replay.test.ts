import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  Adam, BaseStrategy, MetricResult, CrossEntropyLoss, EvaluationPlugin, Naive, ParametricBuffer, RandomExemplarsSelectionStrategy,
  Replay, ReplayDataLoader, ReplayPlugin, ReservoirSamplingBuffer, SGD, SimpleMLP, SplitMNIST, accuracyMetrics,
} from 'avalanche-ts';
import { ready } from './helpers';

const ACC = 'Top1_Acc_Stream/eval_phase/test_stream/Task000';
const quiet = () => new EvaluationPlugin(accuracyMetrics({ experience: true, stream: true }));

test('the tutorial\'s CustomReplay (ParametricBuffer 500 by class, Adam 0.001, batch 100) ends far above Naive (>= 0.70)', async () => {
  await ready();
  const scenario = await SplitMNIST(5, { seed: 1234, source: 'bundled' });
  const storage = new ParametricBuffer({ maxSize: 500, groupby: 'class', selectionStrategy: new RandomExemplarsSelectionStrategy({ seed: 1234 }) });
  const iterations: number[] = [];
  const customReplay = {
    beforeTrainingExp(strategy: BaseStrategy) {
      if (storage.buffer.length === 0) return;
      strategy.dataloader = new ReplayDataLoader(strategy.adaptedDataset!, storage.buffer, { oversampleSmallTasks: true, batchSize: strategy.trainMbSize, shuffle: true, seed: strategy.makeSeed() });
    },
    afterTrainingExp(strategy: BaseStrategy) {
      iterations.push(strategy.clock.trainIterations);
      storage.update(strategy);
    },
  };
  const strategy = new Naive(new SimpleMLP({ numClasses: 10, seed: 1234 }), new Adam({ lr: 0.001 }), new CrossEntropyLoss(), {
    trainMbSize: 100, trainEpochs: 1, evalMbSize: 100, plugins: [customReplay], evaluator: quiet(), seed: 1234,
  });
  const counts: number[] = [];
  let res: Record<string, MetricResult> = {};
  for (const exp of scenario.trainStream) {
    await strategy.train(exp);
    res = await strategy.eval(scenario.testStream);
    counts.push(tf.memory().numTensors);
  }
  assert.ok((res[ACC] as number) >= 0.7, `final stream accuracy ${res[ACC]}`);
  // Epoch length set by the current data: 50 current + 50 memory per batch from the second experience.
  const perExp = iterations.map((it, i) => it - (iterations[i - 1] ?? 0));
  scenario.trainStream.forEach((exp, i) => assert.equal(perExp[i], Math.ceil(exp.dataset.length / (i === 0 ? 100 : 50))));
  assert.ok(counts.every((c) => c === counts[0]), `numTensors per experience: ${counts}`);
  assert.deepEqual([...storage.bufferGroups.values()].map((g) => g.buffer.length), new Array(10).fill(50));
  strategy.model.dispose();
});

test('ReplayPlugin and the Replay strategy: memory of memSize, replay from the second experience', async () => {
  await ready();
  const scenario = await SplitMNIST(5, { seed: 3, source: 'bundled' });
  const sizes: number[] = [];
  const batchSizes = new Set<number>();
  const probe = {
    afterTrainingIteration(s: BaseStrategy) { batchSizes.add(s.mbX.shape[0]); },
    afterTrainingExp(s: BaseStrategy) { sizes.push((s as Replay).replayPlugin.storagePolicy.buffer.length); },
  };
  const replay = new Replay(new SimpleMLP({ seed: 3 }), new SGD({ lr: 0.01 }), new CrossEntropyLoss(), {
    memSize: 120, trainMbSize: 64, evalMbSize: 500, evaluator: quiet(), plugins: [probe], seed: 3,
  });
  await replay.train(scenario.trainStream.slice(0, 3));
  // The probe runs before the replay plugin's afterTrainingExp: it sees the memory before each update.
  assert.deepEqual(sizes, [0, 120, 120]);
  assert.ok(batchSizes.has(128), 'from the second experience: 64 current + 64 memory samples (batchSizeMem = trainMbSize)');
  const groups = [...replay.replayPlugin.storagePolicy.buffer.experienceIds];
  assert.deepEqual([0, 1, 2].map((e) => groups.filter((x) => x === e).length), [40, 40, 40]);
  replay.model.dispose();

  const plugin = new ReplayPlugin({ storagePolicy: new ReservoirSamplingBuffer(50, { seed: 1 }), batchSizeMem: 10 });
  assert.equal(plugin.storagePolicy.maxSize, 50);
  assert.throws(() => new ReplayPlugin({ memSize: 10, storagePolicy: new ReservoirSamplingBuffer(50) }), /memSize \(10\) differs from storagePolicy.maxSize \(50\)/);
  assert.throws(() => new ReplayPlugin({ memSize: -1 }), /memSize must be a non-negative integer, got -1/);
  assert.throws(() => new ReplayPlugin({ batchSizeMem: 0 }), /batchSizeMem must be an integer >= 1, got 0/);
});
