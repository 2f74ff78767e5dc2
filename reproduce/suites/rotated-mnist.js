/**
 * Rotated MNIST: 5 experiences, each the 10 digits rotated by its own seeded angle (nearest
 * neighbour, as torchvision on PIL images), one output layer (domain-incremental). The Permuted MNIST
 * suite's methods and settings. Data: the bundled digits.
 */
const permuted = require('./permuted-mnist');

module.exports = {
  ...permuted,
  title: 'Rotated MNIST (bundled digits)',
  configs: permuted.configs.map((c) => ({ ...c, benchmark: { ...c.benchmark, name: 'RotatedMNIST' } })),
};
