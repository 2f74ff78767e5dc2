#!/usr/bin/env node
/**
 * `npm run bench`: throughput of the tutorial's training loop, measured side by side in one run.
 *   - Naive training (SimpleMLP, SGD lr 0.001 momentum 0.9, batch 500) in samples/s, over SplitMNIST
 *   - evaluation (batch 100) in samples/s
 *   - the same MLP trained by a plain tfjs autodiff loop (tf.variableGrads + tf.train.momentum)
 * and the ratios between them. Targets are printed next to the figures; nothing here fails a build.
 * Options: --backend NAME (its figures beside the default backend's, e.g. --backend webgpu; on webgpu
 * also with our fused kernels turned off, and the GPU dispatches per step), --device gpu|software|null
 * (webgpu's device, as AVALANCHE_TS_WEBGPU: `null` is Dawn's null device, which runs nothing, so its
 * figures are what issuing the kernels costs this host: the ceiling a GPU behind it could reach),
 * --repeats N, --only tutorial (just the backend figures), --only strategies (the tutorial figures and
 * the strategies' step times), --only pytorch (the tutorial figures and the PyTorch yardstick:
 * scripts/torch-yardstick.py, the same MLP in a plain PyTorch loop, when Debian's python3-torch is installed),
 * --only sweep (the tutorial figures and a 2 x 3 sweep, serial against a pool of worker processes),
 * --only package (the tutorial figures and the packed library installed in a fresh folder outside the
 * repository, as a user installs it, against this repository's: the same training loop, alternately),
 * --only convnets (the tutorial figures and SimpleCNN / SlimResNet18 training and evaluation against the
 * same models in PyTorch: scripts/torch-convnets-yardstick.py, on the threads ours uses).
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const lib = require(path.join(__dirname, '..', 'kernel-lib'));
const tf = require(require.resolve('@tensorflow/tfjs', { paths: [path.join(__dirname, '..', 'kernel-lib')] }));

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function quietEvaluator() {
  return new lib.EvaluationPlugin(
    lib.accuracyMetrics({ epoch: true, experience: true, stream: true }),
    lib.lossMetrics({ epoch: true, experience: true, stream: true }),
  );
}

async function timeIt(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** The tutorial loop: train each experience, samples/s of training and of evaluation. */
async function tutorialThroughput(benchmark, repeats) {
  const trainRates = [];
  const evalRates = [];
  const nTrain = benchmark.trainStream.reduce((a, e) => a + e.dataset.length, 0);
  const nTest = benchmark.testStream.reduce((a, e) => a + e.dataset.length, 0);
  for (let r = 0; r < repeats; r++) {
    const model = new lib.SimpleMLP({ numClasses: 10, seed: r });
    const strategy = new lib.Naive(model, new lib.SGD({ lr: 0.001, momentum: 0.9 }), new lib.CrossEntropyLoss(), {
      trainMbSize: 500, trainEpochs: 1, evalMbSize: 100, seed: r, evaluator: quietEvaluator(),
    });
    trainRates.push(nTrain / (await timeIt(() => strategy.train(benchmark.trainStream))));
    evalRates.push(nTest / (await timeIt(() => strategy.eval(benchmark.testStream))));
    strategy.dispose();
    model.dispose();
  }
  return { train: median(trainRates), eval: median(evalRates) };
}

/** The same MLP trained the obvious tfjs way: autodiff of matMul/relu/dropout, tf.train.momentum. */
async function plainAutodiffThroughput(benchmark, repeats) {
  const rates = [];
  const dataset = lib.ClassificationDataset.concat(benchmark.trainStream.map((e) => e.dataset));
  for (let r = 0; r < repeats; r++) {
    const w1 = tf.variable(tf.randomUniform([784, 512], -1 / 28, 1 / 28));
    const b1 = tf.variable(tf.zeros([512]));
    const w2 = tf.variable(tf.randomUniform([512, 10], -0.044, 0.044));
    const b2 = tf.variable(tf.zeros([10]));
    const opt = tf.train.momentum(0.001, 0.9);
    const loader = new lib.DataLoader(dataset, { batchSize: 500, shuffle: true, seed: r });
    const seconds = await timeIt(async () => {
      for (const [x, y, t] of loader) {
        opt.minimize(() => {
          const h = tf.dropout(tf.relu(tf.add(tf.matMul(x, w1), b1)), 0.5);
          const logits = tf.add(tf.matMul(h, w2), b2);
          return tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), logits);
        }, false, [w1, b1, w2, b2]);
        tf.dispose([x, y, t]);
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    rates.push(dataset.length / seconds);
    opt.dispose();
    tf.dispose([w1, b1, w2, b2]);
  }
  return median(rates);
}

/** Samples per second of a strategy over a stream, counting every sample it trained on (current + memory). */
async function trainingRate(strategy, stream) {
  let samples = 0;
  strategy.plugins.push({ afterTrainingIteration: (s) => { samples += s.mbX.shape[0]; } });
  const seconds = await timeIt(() => strategy.train(stream));
  return { rate: samples / seconds, seconds, samples };
}

/** The tutorial's replay set-up: ParametricBuffer(500, 'class') updated by a CustomReplay-like plugin. */
function tutorialReplay(seed, withReplay) {
  const storage = new lib.ParametricBuffer({ maxSize: 500, groupby: 'class', seed });
  const plugin = {
    beforeTrainingExp(s) {
      if (storage.buffer.length) s.dataloader = new lib.ReplayDataLoader(s.adaptedDataset, storage.buffer, { batchSize: s.trainMbSize, seed: s.makeSeed() });
    },
    afterTrainingExp(s) { storage.update(s); },
  };
  const model = new lib.SimpleMLP({ numClasses: 10, seed });
  const strategy = new lib.Naive(model, new lib.Adam({ lr: 0.001 }), new lib.CrossEntropyLoss(), {
    trainMbSize: 100, trainEpochs: 1, evalMbSize: 100, seed, evaluator: quietEvaluator(), plugins: withReplay ? [plugin] : [],
  });
  return { strategy, storage, model };
}

/** Replay toolkit figures: buffer update time, replay vs naive throughput, replay on full Fashion-MNIST. */
async function replayBench(mnist, repeats) {
  console.log('');
  console.log('replay toolkit');
  let fmnist = null;
  try {
    fmnist = await lib.SplitFMNIST({ nExperiences: 5, seed: 1, source: 'folder', datasetRoot: '/usr/share/datasets/fashion-mnist' });
  } catch (e) {
    console.log(`  Fashion-MNIST not available (${e.message.split('\n')[0]}): install Debian's dataset-fashion-mnist for these figures`);
  }
  if (fmnist) {
    const exp = fmnist.trainStream[0];
    const times = [];
    for (let r = 0; r < repeats + 1; r++) {
      const buffer = new lib.ParametricBuffer({ maxSize: 500, groupby: 'class', seed: r });
      times.push(await timeIt(() => buffer.update({ experience: exp })) * 1000);
    }
    const t = median(times.slice(1));
    console.log(`  ParametricBuffer(500, 'class') update, ${exp.dataset.length}-sample Fashion-MNIST experience: ${t.toFixed(1)} ms   target <= 50 ms`);
  }
  const naive = await tutorialReplayRate(mnist.trainStream, repeats, false);
  const replay = await tutorialReplayRate(mnist.trainStream, repeats, true);
  console.log(`  Naive training, tutorial replay settings (Adam, batch 100): ${Math.round(naive).toLocaleString('en-US')} samples/s`);
  console.log(`  Replay training (50 current + 50 memory per batch):        ${Math.round(replay).toLocaleString('en-US')} samples/s`);
  console.log(`  ratio replay / naive: ${(replay / naive).toFixed(2)}x   target >= 0.80x`);
  if (fmnist) {
    const { strategy, model } = tutorialReplay(1, true);
    let last = {};
    const seconds = await timeIt(async () => {
      for (const exp of fmnist.trainStream) {
        await strategy.train(exp);
        last = await strategy.eval(fmnist.testStream);
      }
    });
    const nTrain = fmnist.trainStream.reduce((a, e) => a + e.dataset.length, 0);
    console.log(`  Replay over full Fashion-MNIST (5 experiences, ${nTrain} train samples, eval after each): ${seconds.toFixed(1)} s end to end, final stream accuracy ${last['Top1_Acc_Stream/eval_phase/test_stream/Task000'].toFixed(4)}`);
    strategy.dispose();
    model.dispose();
  }
}

/**
 * Training throughput with every metric and logger of the tutorial's comprehensive example, against
 * the default evaluator, in the same run. Both loggers' text goes to a sink; the text and TensorBoard
 * files and the disk-usage metrics live in a fresh working folder (like a notebook's folder).
 */
async function evaluationBench(benchmark, repeats) {
  const fs = require('fs');
  const os = require('os');
  const home = process.cwd();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'clnb-bench-'));
  process.chdir(work);
  const sink = () => {};
  const makers = {
    default: () => new lib.EvaluationPlugin(
      lib.accuracyMetrics({ epoch: true, experience: true, stream: true }),
      lib.lossMetrics({ epoch: true, experience: true, stream: true }),
      { loggers: [new lib.InteractiveLogger({ write: sink })] }),
    tutorial: () => new lib.EvaluationPlugin(
      lib.accuracyMetrics({ minibatch: true, epoch: true, experience: true, stream: true }),
      lib.lossMetrics({ minibatch: true, epoch: true, experience: true, stream: true }),
      lib.timingMetrics({ epoch: true, epochRunning: true }),
      lib.forgettingMetrics({ experience: true, stream: true }),
      lib.cpuUsageMetrics({ experience: true }),
      lib.confusionMatrixMetrics({ numClasses: 10, saveImage: false, stream: true }),
      lib.diskUsageMetrics({ minibatch: true, epoch: true, experience: true, stream: true }),
      { loggers: [new lib.InteractiveLogger({ write: sink }), new lib.TextLogger('log.txt'), new lib.TensorboardLogger()] }),
  };
  const rates = { default: [], tutorial: [] };
  try {
    for (let r = 0; r < repeats; r++) {
      for (const kind of ['default', 'tutorial']) {
        const model = new lib.SimpleMLP({ numClasses: 10, seed: r });
        const strategy = new lib.Naive(model, new lib.SGD({ lr: 0.001, momentum: 0.9 }), new lib.CrossEntropyLoss(), {
          trainMbSize: 500, trainEpochs: 1, evalMbSize: 100, seed: r, evaluator: makers[kind](),
        });
        let samples = 0;
        let seconds = 0;
        for (const exp of benchmark.trainStream) {
          seconds += await timeIt(() => strategy.train(exp));
          samples += exp.dataset.length;
          await strategy.eval(benchmark.testStream);
        }
        rates[kind].push(samples / seconds);
        strategy.dispose();
        model.dispose();
      }
    }
  } finally {
    process.chdir(home);
    fs.rmSync(work, { recursive: true, force: true });
  }
  const base = median(rates.default);
  const full = median(rates.tutorial);
  console.log('');
  console.log('evaluation (tutorial loop, batch 500, training only; loggers to a sink, files in a fresh folder)');
  console.log(`  default evaluator (accuracy, loss):                    ${Math.round(base).toLocaleString('en-US')} samples/s`);
  console.log(`  every metric and logger of the comprehensive example:  ${Math.round(full).toLocaleString('en-US')} samples/s`);
  console.log(`  ratio all metrics / default: ${(full / base).toFixed(2)}x   target >= 0.85x`);
}

/** Display figures: chart SVG time, a 10,000-point chart, and the live plot's cost to training. */
async function displayBench(benchmark, repeats) {
  const h = (n) => ({ x: Array.from({ length: n }, (_, i) => i), values: Array.from({ length: n }, (_, i) => Math.sin(i / 50)), trainedExperience: new Array(n).fill(0) });
  const small = lib.learningCurves({ 'Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp000': h(5), 'Top1_Acc_Exp/eval_phase/test_stream/Task000/Exp001': h(5) }, { metric: 'Top1_Acc_Exp' });
  const matrix = lib.accuracyMatrixChart({ trainedOn: [0, 1, 2, 3, 4], evaluatedOn: [0, 1, 2, 3, 4], values: [0, 1, 2, 3, 4].map((i) => [0, 1, 2, 3, 4].map((j) => (j <= i ? 0.9 - 0.1 * (i - j) : 0))) });
  const big = lib.learningCurves({ 'Loss_MB/train_phase/train_stream/Task000': h(10000) }, { metric: 'Loss_MB' });
  const timeSvg = async (spec, n) => {
    await lib.renderSvg(spec); // warm-up
    const times = [];
    for (let i = 0; i < n; i++) times.push((await timeIt(() => lib.renderSvg(spec))) * 1000);
    return median(times);
  };
  console.log('');
  console.log('display');
  console.log(`  chart SVG in Node (learning curves, after warm-up): ${(await timeSvg(small, 9)).toFixed(1)} ms   target <= 100 ms`);
  console.log(`  chart SVG in Node (5 x 5 accuracy matrix):          ${(await timeSvg(matrix, 9)).toFixed(1)} ms   target <= 100 ms`);
  console.log(`  10,000-point chart SVG in Node:                     ${(await timeSvg(big, 5)).toFixed(1)} ms   target <= 300 ms`);

  // Live plot: Naive with minibatch metrics, with and without a LivePlotLogger (bundles to a sink).
  const rates = { without: [], with: [] };
  let renders = 0;
  for (let r = 0; r < repeats; r++) {
    for (const kind of ['without', 'with']) {
      const live = kind === 'with' ? new lib.LivePlotLogger({ sink: () => {} }) : null;
      const evaluator = new lib.EvaluationPlugin(lib.accuracyMetrics({ minibatch: true, epoch: true }), lib.lossMetrics({ minibatch: true, epoch: true }), { loggers: live ? [live] : [] });
      const model = new lib.SimpleMLP({ numClasses: 10, seed: r });
      const strategy = new lib.Naive(model, new lib.Adam({ lr: 0.001 }), new lib.CrossEntropyLoss(), { trainMbSize: 100, evaluator, seed: r });
      const samples = benchmark.trainStream.reduce((a, e) => a + e.dataset.length, 0);
      const seconds = await timeIt(() => strategy.train(benchmark.trainStream));
      rates[kind].push(samples / seconds);
      if (live) {
        await live.flush();
        renders = live.renders;
        await live.close();
      }
      strategy.dispose();
      model.dispose();
    }
  }
  const without = median(rates.without);
  const withLive = median(rates.with);
  console.log(`  training with a live plot (${renders} redraws in the last run, <= 2/s, SVG in a worker thread): ${Math.round(withLive).toLocaleString('en-US')} samples/s`);
  console.log(`  training without it:                                          ${Math.round(without).toLocaleString('en-US')} samples/s`);
  console.log(`  cost of the live plot: ${((1 - withLive / without) * 100).toFixed(1)}% of training throughput   target <= 5%`);
}

/** The tutorial loop end to end: train each experience, then evaluate the whole test stream. */
async function tutorialLoopSeconds(benchmark) {
  const model = new lib.SimpleMLP({ numClasses: 10, seed: 7 });
  const strategy = new lib.Naive(model, new lib.SGD({ lr: 0.001, momentum: 0.9 }), new lib.CrossEntropyLoss(), {
    trainMbSize: 500, trainEpochs: 1, evalMbSize: 100, seed: 7, evaluator: quietEvaluator(),
  });
  let accuracy = 0;
  const seconds = await timeIt(async () => {
    for (const exp of benchmark.trainStream) {
      await strategy.train(exp);
      accuracy = (await strategy.eval(benchmark.testStream))['Top1_Acc_Stream/eval_phase/test_stream/Task000'];
    }
  });
  strategy.dispose();
  model.dispose();
  return { seconds, accuracy };
}

/** GPU dispatches per training step and per evaluation batch of the tutorial's loop (webgpu only; null elsewhere). */
async function dispatchesPerStep(benchmark) {
  const backend = tf.backend();
  if (typeof backend.runWebGPUProgram !== 'function') return null;
  const model = new lib.SimpleMLP({ numClasses: 10, seed: 1 });
  const strategy = new lib.Naive(model, new lib.SGD({ lr: 0.001, momentum: 0.9 }), new lib.CrossEntropyLoss(), { trainMbSize: 500, evalMbSize: 100, seed: 1, evaluator: quietEvaluator() });
  await strategy.train(benchmark.trainStream[0]); // momentum buffers exist from here on
  await strategy.eval(benchmark.testStream[0]);
  let dispatches = 0;
  const original = backend.runWebGPUProgram;
  backend.runWebGPUProgram = function (...args) {
    dispatches += 1;
    return original.apply(this, args);
  };
  const before = strategy.clock.trainIterations;
  let perStep;
  let perEvalBatch;
  try {
    await strategy.train(benchmark.trainStream[1]);
    perStep = dispatches / (strategy.clock.trainIterations - before);
    dispatches = 0;
    const evalBefore = strategy.clock.totalIterations;
    await strategy.eval(benchmark.testStream[1]);
    perEvalBatch = dispatches / (strategy.clock.totalIterations - evalBefore);
  } finally {
    backend.runWebGPUProgram = original;
  }
  strategy.dispose();
  model.dispose();
  return { perStep, perEvalBatch };
}

async function backendFigures(benchmark, repeats) {
  await tutorialThroughput(benchmark, 1); // warm-up (compiles kernels, fills caches)
  const rates = await tutorialThroughput(benchmark, repeats);
  const loop = await tutorialLoopSeconds(benchmark);
  return { ...rates, loop, dispatches: await dispatchesPerStep(benchmark) };
}

/**
 * Step time of each strategy against Naive's on the tutorial's model and batch (SimpleMLP, SGD lr
 * 0.001 momentum 0.9, batch 500): the training iterations of the last experience, with four before
 * it (every penalty active, GEM with four memories; the importance passes are not steps).
 */
async function strategiesBench(benchmark, repeats) {
  console.log('');
  console.log('strategies: training step time on the tutorial model (batch 500), last experience (4 before it), vs Naive');
  const make = {
    Naive: (m, o, opts) => new lib.Naive(m, o, new lib.CrossEntropyLoss(), opts),
    EWC: (m, o, opts) => new lib.EWC(m, o, new lib.CrossEntropyLoss(), { ...opts, ewcLambda: 1000 }),
    SI: (m, o, opts) => new lib.SynapticIntelligence(m, o, new lib.CrossEntropyLoss(), { ...opts, siLambda: 1, eps: 0.1 }),
    MAS: (m, o, opts) => new lib.MAS(m, o, new lib.CrossEntropyLoss(), { ...opts, lambdaReg: 1 }),
    LwF: (m, o, opts) => new lib.LwF(m, o, new lib.CrossEntropyLoss(), { ...opts, alpha: 1, temperature: 2 }),
    LFL: (m, o, opts) => new lib.LFL(m, o, new lib.CrossEntropyLoss(), { ...opts, lambdaE: 1 }),
    Replay: (m, o, opts) => new lib.Replay(m, o, new lib.CrossEntropyLoss(), { ...opts, memSize: 500 }),
    AGEM: (m, o, opts) => new lib.AGEM(m, o, new lib.CrossEntropyLoss(), { ...opts, patternsPerExp: 250, sampleSize: 256 }),
    // GEM's step costs one gradient per past experience on its whole memory: ~1 + k·p/B passes.
    GEM: (m, o, opts) => new lib.GEM(m, o, new lib.CrossEntropyLoss(), { ...opts, patternsPerExp: 256 }),
    GEM_128: (m, o, opts) => new lib.GEM(m, o, new lib.CrossEntropyLoss(), { ...opts, patternsPerExp: 128 }),
    ER_ACE: (m, o, opts) => new lib.ER_ACE(m, o, new lib.CrossEntropyLoss(), { ...opts, memSize: 500, batchSizeMem: 10 }),
    DER: (m, o, opts) => new lib.DER(m, o, new lib.CrossEntropyLoss(), { ...opts, memSize: 500, batchSizeMem: 64 }),
  };
  const targets = { EWC: 1.3, SI: 1.5, MAS: 1.3, LwF: 2, AGEM: 2, GEM: 3, GEM_128: 3, DER: 2 };
  const stepMs = {};
  for (const [name, build] of Object.entries(make)) {
    const times = [];
    for (let r = 0; r < repeats; r++) {
      let start = 0;
      let total = 0;
      let steps = 0;
      let timing = false;
      const clock = {
        beforeTrainingIteration() { if (timing) start = process.hrtime.bigint(); },
        afterTrainingIteration() { if (timing) { total += Number(process.hrtime.bigint() - start) / 1e6; steps += 1; } },
      };
      const model = new lib.SimpleMLP({ numClasses: 10, seed: r });
      const s = build(model, new lib.SGD({ lr: 0.001, momentum: 0.9 }), { trainMbSize: 500, evalMbSize: 1000, seed: r, evaluator: quietEvaluator(), plugins: [clock] });
      for (const [i, exp] of benchmark.trainStream.entries()) {
        timing = i === benchmark.trainStream.length - 1;
        await s.train(exp);
      }
      times.push(total / steps);
      s.dispose();
      model.dispose();
    }
    stepMs[name] = median(times);
  }
  for (const [name, ms] of Object.entries(stepMs)) {
    const ratio = ms / stepMs.Naive;
    const target = targets[name] ? `   target <= ${targets[name]}x` : '';
    console.log(`  ${name.padEnd(7)} ${ms.toFixed(1).padStart(7)} ms per step   ${ratio.toFixed(2)}x Naive${target}`);
  }
  // SimpleCNN (tfjs convolutions with our gradients): its cost next to the MLP's.
  const cnnRates = [];
  const mlpRates = [];
  for (let r = 0; r < Math.min(repeats, 2); r++) {
    for (const [rates, model] of [[cnnRates, new lib.SimpleCNN({ seed: r })], [mlpRates, new lib.SimpleMLP({ seed: r })]]) {
      const s = new lib.Naive(model, new lib.SGD({ lr: 0.01, momentum: 0.9 }), new lib.CrossEntropyLoss(), { trainMbSize: 128, seed: r, evaluator: quietEvaluator() });
      const exp = benchmark.trainStream[0];
      rates.push(exp.dataset.length / (await timeIt(() => s.train(exp))));
      s.dispose();
      model.dispose();
    }
  }
  console.log(`  SimpleCNN training (batch 128): ${Math.round(median(cnnRates)).toLocaleString('en-US')} samples/s; SimpleMLP at the same batch: ${Math.round(median(mlpRates)).toLocaleString('en-US')} samples/s`);
}

/**
 * Our tutorial training and evaluation figures from a child bench with `env` (the thread count and the
 * BLAS path are fixed per process).
 */
function childTutorialFigures(repeats, env) {
  const child = spawnSync(process.execPath, [__filename, '--only', 'tutorial', '--repeats', String(repeats)], { encoding: 'utf8', env: { ...process.env, ...env } });
  const figure = (label) => Number((new RegExp(`${label}\\s+([\\d,]+) samples/s`).exec(child.stdout) ?? [, 'NaN'])[1].replace(/,/g, ''));
  return { train: figure('tutorial training \\(Naive, batch 500\\)'), eval: figure('tutorial evaluation \\(batch 100\\)') };
}

/** Median samples/s of the tutorial's replay set-up (or of Naive with its settings) over `repeats` seeds. */
async function tutorialReplayRate(stream, repeats, withReplay) {
  const rates = [];
  for (let r = 0; r < repeats; r++) {
    const run = tutorialReplay(r, withReplay);
    rates.push((await trainingRate(run.strategy, stream)).rate);
    run.strategy.dispose();
    run.model.dispose();
  }
  return median(rates);
}

/** Writes a stream's samples as raw bytes and labels (the yardstick's input). */
function writeStream(folder, name, stream) {
  const data = lib.ClassificationDataset.concat(stream.map((e) => e.dataset));
  fs.writeFileSync(path.join(folder, `${name}.u8`), data.images);
  fs.writeFileSync(path.join(folder, `${name}.i32`), Buffer.from(data.targets.buffer, data.targets.byteOffset, data.targets.byteLength));
}

/**
 * The PyTorch yardstick: scripts/torch-yardstick.py (Debian's python3-torch) trains and evaluates the same MLP
 * on the same samples, batch sizes and optimisers, with as many threads as our backend uses and then with
 * PyTorch's default; the ratios are ours over PyTorch's, measured in this run.
 */
async function pytorchBench(benchmark, ours, info, repeats) {
  console.log('');
  console.log('PyTorch yardstick (same MLP, data, batch sizes and optimisers; tensors preloaded)');
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.log(`  skipped: PyTorch is not installed for ${python} (Debian: apt-get install python3-torch)`);
    return;
  }
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'avalanche-ts-yardstick-'));
  try {
    writeStream(folder, 'train', benchmark.trainStream);
    writeStream(folder, 'test', benchmark.testStream);
    const ourReplay = await tutorialReplayRate(benchmark.trainStream, repeats, true);
    // The CPUs our run keeps busy: wasm's threads, or the native BLAS's when they are more.
    const blasInfo = lib.nativeBlasInfo();
    const threads = Math.max(info.threads ?? 1, blasInfo?.threads ?? 1);
    // n > 0: torch.set_num_threads(n) with the BLAS on `blas` threads (a generically linked BLAS, as in Debian's
    // build, does not follow torch's count); 0: PyTorch's defaults.
    const runTorch = (n, blas = n) => {
      const env = n > 0 ? { ...process.env, OMP_NUM_THREADS: String(n), OPENBLAS_NUM_THREADS: String(blas) } : process.env;
      const r = spawnSync(python, [path.join(__dirname, 'torch-yardstick.py'), folder, String(n), String(repeats)], { encoding: 'utf8', env });
      if (r.status !== 0) throw new Error(`torch-yardstick.py failed:\n${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').pop());
    };
    // PyTorch at its best for n threads: its BLAS on n threads or on one (more BLAS threads can be slower).
    const bestTorch = (n) => {
      const a = runTorch(n);
      if (n === 1) return a;
      const b = runTorch(n, 1);
      return { ...a, train: Math.max(a.train, b.train), eval: Math.max(a.eval, b.eval), replay: Math.max(a.replay, b.replay) };
    };
    const same = bestTorch(threads);
    const fmt = (v) => Math.round(v).toLocaleString('en-US').padStart(9);
    const blas = same.blas.map((f) => f.replace(/^.*\/(openblas[^/]*|blas|atlas[^/]*)\/(lib[^/]*)$/, '$1/$2')).join(', ') || 'none found';
    console.log(`  ours: ${info.name} (${info.details})`);
    console.log(`  PyTorch ${same.torch}, ${same.threads} thread${same.threads === 1 ? '' : 's'} as ours (its best of the BLAS on ${threads} or 1 thread); BLAS: ${blas}${/openblas/i.test(blas) ? '' : ' (the reference BLAS: install libopenblas0 for a fair yardstick)'}`);
    console.log(`    training (Naive, batch 500)     ${fmt(same.train)} samples/s   ours ${fmt(ours.train)}`);
    console.log(`    evaluation (batch 100)          ${fmt(same.eval)} samples/s   ours ${fmt(ours.eval)}`);
    console.log(`    replay training (50 + 50, Adam) ${fmt(same.replay)} samples/s   ours ${fmt(ourReplay)}`);
    console.log(`train_vs_pytorch: ${(ours.train / same.train).toFixed(2)}x   target >= 0.5x`);
    console.log(`eval_vs_pytorch: ${(ours.eval / same.eval).toFixed(2)}x   target >= 0.5x`);
    console.log(`replay_train_vs_pytorch: ${(ourReplay / same.replay).toFixed(2)}x   target >= 0.5x`);
    if (threads > 1) {
      // wasm's thread count is fixed per process: our single-thread figures come from a child bench.
      const ours1 = childTutorialFigures(repeats, { AVALANCHE_TS_THREADS: '1', AVALANCHE_TS_BLAS_THREADS: '1' });
      const one = bestTorch(1);
      console.log(`  one thread each: PyTorch training ${fmt(one.train)}, evaluation ${fmt(one.eval)} samples/s; ours ${fmt(ours1.train)}, ${fmt(ours1.eval)}`);
      console.log(`train_vs_pytorch_1_thread: ${(ours1.train / one.train).toFixed(2)}x`);
      console.log(`eval_vs_pytorch_1_thread: ${(ours1.eval / one.eval).toFixed(2)}x`);
    }
    if (blasInfo) {
      // XNNPACK's products on every CPU (the path where the addon is not built), from a child bench.
      const cpus = os.cpus().length;
      const xnn = childTutorialFigures(repeats, { AVALANCHE_TS_BLAS: '0' });
      const wide = cpus === threads ? same : bestTorch(cpus);
      console.log(`  ours without the native BLAS (AVALANCHE_TS_BLAS=0: XNNPACK on ${cpus} thread${cpus === 1 ? '' : 's'}): training ${fmt(xnn.train)}, evaluation ${fmt(xnn.eval)} samples/s; PyTorch on ${cpus}: ${fmt(wide.train)}, ${fmt(wide.eval)}`);
      console.log(`train_vs_pytorch_xnnpack: ${(xnn.train / wide.train).toFixed(2)}x`);
      console.log(`eval_vs_pytorch_xnnpack: ${(xnn.eval / wide.eval).toFixed(2)}x`);
    } else {
      console.log(`  native BLAS path not in use (${/not available: ([^)]*)/.exec(info.details)?.[1] ?? 'turned off'}): no BLAS figures`);
    }
    const all = runTorch(0);
    if (all.threads !== same.threads) {
      console.log(`  PyTorch with its default ${all.threads} threads: training ${fmt(all.train)}, evaluation ${fmt(all.eval)}, replay ${fmt(all.replay)} samples/s`);
      console.log(`train_vs_pytorch_default_threads: ${(ours.train / all.train).toFixed(2)}x   stretch >= 1x`);
      console.log(`eval_vs_pytorch_default_threads: ${(ours.eval / all.eval).toFixed(2)}x   stretch >= 1x`);
    }
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Sweeps: a 2 x 3 grid of the tutorial (Naive and Replay, 3 seeds; notebooks/experiments/naive-vs-replay.js)
 * run serially in this process and on a pool of worker processes, one per CPU, each on one thread.
 */
async function sweepBench() {
  console.log('');
  console.log('sweeps: Naive and Replay x 3 seeds of the tutorial (5 experiences of 3 epochs, eval after each)');
  const run = { module: path.join(__dirname, '..', 'notebooks', 'experiments', 'naive-vs-replay.js'), export: 'run' };
  const grid = { strategy: ['Naive', 'Replay'], epochs: [3] };
  const seeds = [1, 2, 3];
  const serial = await timeIt(() => lib.sweep({ grid, seeds, run, workers: 0, progress: false }));
  // One worker process on one thread: the serial time a single-threaded backend would take.
  const serial1 = await timeIt(() => lib.sweep({ grid, seeds, run, workers: 1, progress: false }));
  const workers = os.cpus().length;
  // The first sweep starts its worker processes; the pool is kept, so a second sweep finds them warm.
  const cold = await timeIt(() => lib.sweep({ grid, seeds, run, workers, progress: false }));
  const warm = await timeIt(() => lib.sweep({ grid, seeds, run, workers, progress: false }));
  await lib.closeSweepPool();
  // A notebook's setup cell starts the pool ahead: each worker loads the library, its backend and
  // (the experiment's setup) the data; the first sweep then pays only for its runs' first compile.
  const start = await timeIt(() => lib.startSweepPool({ workers, setup: { module: run.module } }));
  const ahead = await timeIt(() => lib.sweep({ grid, seeds, run, workers, progress: false }));
  await lib.closeSweepPool();
  console.log(`  serial in this process (${lib.currentBackend()?.details}): ${serial.toFixed(1)} s; serial in one worker process on one thread: ${serial1.toFixed(1)} s`);
  console.log(`  on ${workers} worker processes (one thread each): ${cold.toFixed(1)} s for the first sweep (starting them), ${warm.toFixed(1)} s for the next (the pool kept warm)`);
  console.log(`sweep_pool_vs_serial: ${(cold / serial).toFixed(2)}x of the serial time (this process on ${lib.currentBackend()?.threads ?? 1} thread(s); the first sweep, which starts the workers)   target <= 0.6x`);
  console.log(`  on a pool started ahead (startSweepPool with the experiment's setup, ${start.toFixed(1)} s before): ${ahead.toFixed(1)} s for its first sweep`);
  console.log(`sweep_started_pool_vs_serial: ${(ahead / serial).toFixed(2)}x of the serial time (the first sweep on a pool started ahead)   target <= 0.6x`);
  console.log(`sweep_warm_pool_vs_serial: ${(warm / serial).toFixed(2)}x of the serial time (the next sweep, workers warm)   target <= 0.6x`);
  console.log(`sweep_pool_vs_serial_1_thread: ${(cold / serial1).toFixed(2)}x of the serial time in one worker process`);
}

/**
 * Training and evaluation samples/s of a convolutional model through the strategy template (Naive,
 * SGD lr 0.01 momentum 0.9, the default evaluator), on `steps` batches of random images (the speed
 * does not depend on the values), after a warm-up experience.
 */
async function convRates(model, sampleShape, batch, steps) {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const random = lib.makeRandom(1);
  const dataset = (n) => new lib.ClassificationDataset({
    images: Uint8Array.from({ length: n * size }, () => random.int(256)),
    targets: Int32Array.from({ length: n }, () => random.int(10)),
    sampleShape,
  });
  const benchmark = new lib.DatasetBenchmark([dataset(steps * batch), dataset(steps * batch)], [dataset(steps * batch), dataset(batch)]);
  const strategy = new lib.Naive(model, new lib.SGD({ lr: 0.01, momentum: 0.9 }), new lib.CrossEntropyLoss(), { trainMbSize: batch, evalMbSize: batch, seed: 1, evaluator: quietEvaluator() });
  await strategy.train(benchmark.trainStream[0]); // warm-up
  const train = (steps * batch) / (await timeIt(() => strategy.train(benchmark.trainStream[1])));
  await strategy.eval(benchmark.testStream[0]); // warm-up
  const evaluate = (steps * batch) / (await timeIt(() => strategy.eval(benchmark.testStream[0])));
  strategy.dispose();
  model.dispose();
  return { train, eval: evaluate };
}

/** SimpleCNN (MNIST-sized, batch 128) and SlimResNet18 (3x32x32, batch 32) against the same models in PyTorch. */
async function convnetsBench(steps) {
  const threads = lib.currentBackend()?.threads ?? 1;
  const ours = {
    cnn: await convRates(new lib.SimpleCNN({ inChannels: 1, imageSize: 28, seed: 1 }), [28, 28, 1], 128, steps),
    resnet: await convRates(new lib.SlimResNet18({ seed: 1 }), [32, 32, 3], 32, steps),
  };
  const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const r = spawnSync(python, [path.join(__dirname, 'torch-convnets-yardstick.py'), String(threads), String(steps)], { encoding: 'utf8' });
  console.log('');
  console.log(`convolutional models (ours: ${lib.currentBackend()?.details}; PyTorch on the same ${threads} thread${threads === 1 ? '' : 's'})`);
  if (r.status !== 0) {
    console.log(`  PyTorch yardstick failed (Debian: apt-get install python3-torch): ${r.stderr.trim().split('\n').pop()}`);
    return;
  }
  const torch = JSON.parse(r.stdout);
  const fmt = (v) => Math.round(v).toLocaleString('en-US').padStart(7);
  for (const [key, label] of [['cnn', 'SimpleCNN, batch 128'], ['resnet', 'SlimResNet18, batch 32']]) {
    console.log(`  ${label.padEnd(24)} training ${fmt(ours[key].train)} samples/s (PyTorch ${fmt(torch[key].train)}), evaluation ${fmt(ours[key].eval)} (PyTorch ${fmt(torch[key].eval)})`);
  }
  console.log(`cnn_vs_pytorch: ${(ours.cnn.train / torch.cnn.train).toFixed(2)}x (training; evaluation ${(ours.cnn.eval / torch.cnn.eval).toFixed(2)}x)   target >= 0.5x`);
  console.log(`resnet_vs_pytorch: ${(ours.resnet.train / torch.resnet.train).toFixed(2)}x (training; evaluation ${(ours.resnet.eval / torch.resnet.eval).toFixed(2)}x)   target >= 0.5x`);
}

/** The training rate of the tutorial's model, 3 epochs on experiences 1-4 after a warm-up, in a new process run from `cwd`. */
function childTrainingRate(cwd) {
  const code = `const lib = require('avalanche-ts');
    (async () => {
      const info = await lib.initBackend({ verbose: false });
      const b = await lib.SplitMNIST({ nExperiences: 5, seed: 1, source: 'bundled' });
      const s = new lib.Naive(new lib.SimpleMLP({ seed: 1 }), new lib.SGD({ lr: 0.001, momentum: 0.9 }), new lib.CrossEntropyLoss(),
        { trainMbSize: 500, trainEpochs: 3, seed: 1, evaluator: new lib.EvaluationPlugin(lib.lossMetrics({ epoch: true }), { loggers: [] }) });
      await s.train(b.trainStream[0]);
      const t0 = process.hrtime.bigint();
      for (const e of b.trainStream.slice(1)) await s.train(e);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      console.log(JSON.stringify({ backend: info.name + ' (' + info.details + ')', rate: 3 * b.trainStream.slice(1).reduce((n, e) => n + e.dataset.length, 0) / seconds }));
    })();`;
  const r = spawnSync(process.execPath, ['-e', code], { cwd, encoding: 'utf8', env: { ...process.env, AVALANCHE_TS_QUIET: '1' } });
  if (r.status !== 0) throw new Error(`training in ${cwd} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/**
 * The packed library in a user's folder (scripts/user-folder.js: `npm pack`, installed offline with
 * tslab into a fresh folder, the addon built by its `build-native` command) against this
 * repository's, the same training loop run alternately in new processes.
 */
async function packageBench(repeats) {
  const { makeUserFolder } = require('./user-folder.js');
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'avalanche-ts-bench-')), 'course');
  const t0 = Date.now();
  makeUserFolder(dir);
  const built = spawnSync(process.execPath, [path.join(dir, 'node_modules', 'avalanche-ts', 'bin', 'avalanche-ts.js'), 'build-native'], { cwd: dir, encoding: 'utf8' });
  console.log('');
  console.log(`the packed library in a fresh folder (${dir}; packed and installed offline in ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  console.log(`  ${built.stdout.trim()}`);
  const rates = { user: [], repo: [] };
  const backends = { user: new Set(), repo: new Set() };
  for (let i = 0; i < repeats; i++) {
    for (const [where, cwd] of [['user', dir], ['repo', path.join(__dirname, '..')]]) {
      const r = childTrainingRate(cwd);
      rates[where].push(r.rate);
      backends[where].add(r.backend);
    }
  }
  for (const where of ['user', 'repo']) {
    console.log(`  ${where === 'user' ? "user's folder" : 'repository   '}: ${Math.round(median(rates[where])).toLocaleString('en-US').padStart(7)} samples/s (training, batch 500)   ${[...backends[where]].join(' | ')}`);
  }
  console.log(`package_vs_repo: ${(median(rates.user) / median(rates.repo)).toFixed(2)}x (median of ${repeats} alternating runs each)   target >= 0.85x`);
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
}

async function main() {
  const repeats = Number(option('repeats', '3'));
  const target = option('backend', undefined);
  const only = option('only', 'all');
  const device = option('device', undefined);
  if (device !== undefined) process.env.AVALANCHE_TS_WEBGPU = device; // checked when webgpu starts
  // The baseline is the default backend (wasm here); --backend NAME adds NAME's figures beside it.
  const info = await lib.initBackend({ backend: target === 'webgpu' ? 'wasm' : target, verbose: false });
  const benchmark = await lib.SplitMNIST({ nExperiences: 5, seed: 1234, source: option('source', 'bundled') });
  const nTrain = benchmark.trainStream.reduce((a, e) => a + e.dataset.length, 0);
  console.log(`data: SplitMNIST from ${benchmark.dataSource} (${nTrain} train samples); median of ${repeats} runs`);

  const rows = [];
  rows.push({ info, ...(await backendFigures(benchmark, repeats)) });
  const plain = await plainAutodiffThroughput(benchmark, repeats);
  if (target && target !== info.name) {
    const other = await lib.initBackend({ backend: target, verbose: false });
    rows.push({ info: other, ...(await backendFigures(benchmark, repeats)) });
    if (lib.fusedOpsActive()) {
      // The same backend with tfjs's own ops instead of our fused kernels, measured right after.
      lib.setFusedOps(false);
      rows.push({ info: { ...other, name: `${other.name}, plain tfjs ops` }, ...(await backendFigures(benchmark, repeats)) });
      lib.setFusedOps(true);
    }
    await lib.initBackend({ backend: info.name, verbose: false });
  }
  console.log('');
  const nullDevice = lib.webgpuInfo()?.mode === 'null';
  if (nullDevice) {
    console.log('webgpu runs on Dawn\'s null device: its samples/s count only the host\'s cost of issuing the kernels (a ceiling');
    console.log('for a GPU behind this host); its accuracy is meaningless.');
  }
  for (const r of rows) {
    console.log(`backend ${r.info.name}${r.info.details ? ` (${r.info.details})` : ''}`);
    console.log(`  tutorial training (Naive, batch 500)    ${Math.round(r.train).toLocaleString('en-US').padStart(9)} samples/s   target >= 10,000 samples/s (wasm), >= 80,000 (webgpu on an H100/H200)`);
    console.log(`  tutorial evaluation (batch 100)         ${Math.round(r.eval).toLocaleString('en-US').padStart(9)} samples/s   target >= 30,000 samples/s (wasm)`);
    console.log(`  whole tutorial loop (5 experiences, train + eval after each): ${r.loop.seconds.toFixed(2)} s, final stream accuracy ${r.loop.accuracy.toFixed(4)}`);
    if (r.dispatches != null) console.log(`  GPU dispatches per training step: ${r.dispatches.perStep.toFixed(1)}, per evaluation batch: ${r.dispatches.perEvalBatch.toFixed(1)}`);
  }
  console.log(`plain tfjs autodiff training on ${info.name} (batch 500) ${Math.round(plain).toLocaleString('en-US').padStart(9)} samples/s   reference`);
  console.log('');
  console.log(`ratio training / plain autodiff (${info.name}): ${(rows[0].train / plain).toFixed(2)}x`);
  console.log(`ratio evaluation / training (${info.name}):     ${(rows[0].eval / rows[0].train).toFixed(2)}x`);
  if (rows.length > 1) {
    console.log(`ratio ${rows[1].info.name} / ${rows[0].info.name}: training ${(rows[1].train / rows[0].train).toFixed(2)}x, evaluation ${(rows[1].eval / rows[0].eval).toFixed(2)}x, whole loop ${(rows[0].loop.seconds / rows[1].loop.seconds).toFixed(2)}x faster`);
  }
  if (rows.length > 2) {
    console.log(`ratio fused kernels / plain tfjs ops (${rows[1].info.name}): training ${(rows[1].train / rows[2].train).toFixed(2)}x, evaluation ${(rows[1].eval / rows[2].eval).toFixed(2)}x, whole loop ${(rows[2].loop.seconds / rows[1].loop.seconds).toFixed(2)}x faster`);
  }
  if (only === 'all' || only === 'pytorch') await pytorchBench(benchmark, rows[0], info, repeats);
  if (only === 'all' || only === 'strategies') await strategiesBench(benchmark, repeats);
  if (only === 'all' || only === 'sweep') await sweepBench();
  if (only === 'all' || only === 'package') await packageBench(repeats);
  if (only === 'all' || only === 'convnets') await convnetsBench(Number(option('conv-steps', '8')));
  if (only === 'all') {
    await evaluationBench(benchmark, repeats);
    await displayBench(benchmark, repeats);
    await replayBench(benchmark, repeats);
  }
  console.log('');
  console.log(`tensors alive at the end: ${tf.memory().numTensors}`);
  lib.releaseWebGPU();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
