// `node scripts/bench-steady.js`: steady-state training and evaluation throughput on the chosen backend
// (AVALANCHE_TS_BACKEND), over one long experience (the bundled train data x5), with and without dropout.
// --device gpu|software|null sets webgpu's device (AVALANCHE_TS_WEBGPU); on `null` (Dawn's null device,
// nothing runs) the figures are the host's cost of issuing the kernels.
const lib = require('../kernel-lib');
const tf = require('@tensorflow/tfjs');
(async () => {
  const device = process.argv.indexOf('--device');
  if (device >= 0) process.env.AVALANCHE_TS_WEBGPU = process.argv[device + 1];
  const info = await lib.initBackend({ verbose: false });
  // --flag NAME=VALUE sets a tfjs environment flag (e.g. WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=64).
  process.argv.forEach((a, i) => {
    if (a !== '--flag') return;
    const [name, value] = process.argv[i + 1].split('=');
    tf.env().set(name, value === 'true' ? true : value === 'false' ? false : Number(value));
    console.log(`flag ${name} = ${tf.env().get(name)}`);
  });
  const b = await lib.SplitMNIST({ seed: 1, source: 'bundled' });
  const big = lib.ClassificationDataset.concat([0, 1, 2, 3, 4].flatMap(() => b.trainStream.map((e) => e.dataset)));
  const exp = { ...b.trainStream[0], dataset: big };
  // Dawn's null device caps its memory (about 512 MB): no batch-2000 case there.
  const nullDevice = lib.webgpuInfo()?.mode === 'null';
  const cases = process.argv.includes('--quick') ? [[0.5, 500]] : nullDevice ? [[0.5, 500], [0, 500]] : [[0.5, 500], [0, 500], [0.5, 2000]];
  // On webgpu each case runs with our fused kernels, then with tfjs's own ops (--fused on|off: one of them).
  const fusedOption = process.argv.includes('--fused') ? process.argv[process.argv.indexOf('--fused') + 1] : 'both';
  const fusedModes = !lib.fusedOpsActive() ? [null] : fusedOption === 'both' ? [true, false] : [fusedOption === 'on'];
  for (const [drop, bs] of cases) for (const fused of fusedModes) {
    if (fused !== null) lib.setFusedOps(fused);
    const m = new lib.SimpleMLP({ seed: 1, dropRate: drop });
    const s = new lib.Naive(m, new lib.SGD({ lr: 0.001, momentum: 0.9 }), new lib.CrossEntropyLoss(), { trainMbSize: bs, evalMbSize: 1000, seed: 1, evaluator: new lib.EvaluationPlugin(lib.accuracyMetrics({ epoch: true })) });
    await s.train(exp); // warm-up
    const t0 = Date.now(); await s.train(exp); const dt = (Date.now() - t0) / 1000;
    const t1 = Date.now(); await s.eval({ ...b.testStream[0], dataset: big }); const de = (Date.now() - t1) / 1000;
    console.log(`${info.name}${fused === null ? '' : fused ? ' fused' : ' plain-ops'} drop ${drop} batch ${bs}: train ${Math.round(big.length / dt)} samples/s (${Math.round(dt / Math.ceil(big.length / bs) * 1000 * 10) / 10} ms/step); eval (batch 1000) ${Math.round(big.length / de)} samples/s`);
    s.dispose(); m.dispose();
  }
  lib.releaseWebGPU();
})();
