/**
 * Convolutional models against PyTorch (Debian's python3-torch, `test/torch_parity.py`): the same
 * weights, moved through the state dict (PyTorch's names and layouts, loaded there with
 * `load_state_dict(strict=True)`), give the same training-mode logits, loss and gradients, the same
 * batch norm running statistics after several steps, and the same eval-mode logits, within 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { BasicBlock, BatchNorm2d, Conv2d, CrossEntropyLoss, Layer, Linear, Module, Random, ResNet32, SlimResNet18, MTSlimResNet18, StateDict, copyState } from 'avalanche-ts';
import { ready } from './helpers';

type Plain = { shape: number[]; data: number[] };
type TorchResult = { logits: Plain; loss: number; grads: Record<string, Plain>; state: Record<string, Plain>; evalLogits: Plain };

const plain = (t: tf.Tensor): Plain => ({ shape: t.shape, data: Array.from(t.dataSync()) });

/** Runs the PyTorch side of a case. */
function torchSide(model: string, options: Record<string, unknown>, state: StateDict, x: tf.Tensor4D, targets: number[], steps: number): TorchResult {
  const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const input = {
    model, options, targets, steps,
    state: Object.fromEntries(Object.entries(state).map(([k, v]) => [k, plain(v)])),
    x: plain(tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]))),
  };
  const r = spawnSync(python, [path.join(__dirname, '..', 'test', 'torch_parity.py')], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `torch_parity.py failed (needs python3-torch, see README):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Our side: `steps - 1` training forward passes, then the loss and its gradients, the state, eval logits. */
function ourSide(model: Module, x: tf.Tensor4D, targets: number[], steps: number) {
  model.train();
  for (let i = 0; i < steps - 1; i++) tf.dispose(model.forward(x));
  const y = tf.tensor1d(targets, 'int32');
  const criterion = new CrossEntropyLoss();
  let logits: tf.Tensor | null = null;
  const { value, grads } = tf.variableGrads(() => {
    logits = tf.keep(model.forward(x));
    return criterion.forward(logits, y) as tf.Scalar;
  }, model.trainableVariables);
  const layout = model.torchLayout();
  const byName: Record<string, tf.Tensor> = {};
  for (const [name, v] of model.namedParameters()) byName[name] = layout[name] ? tf.transpose(grads[v.name], layout[name]) : grads[v.name];
  const state = model.stateDict();
  model.eval();
  const evalLogits = model.forward(x);
  return { logits: logits!, loss: value.dataSync()[0], grads: byName, state, evalLogits, dispose: () => tf.dispose([y, value, logits!, evalLogits, ...Object.values(grads), ...Object.values(byName), ...Object.values(state)]) };
}

/** Max |a - b| over the values, against a tolerance scaled by the reference's magnitude. */
function assertClose(ours: tf.Tensor | number, theirs: Plain | number, what: string, tolerance = 1e-4) {
  const a = typeof ours === 'number' ? [ours] : Array.from(ours.dataSync());
  const b = typeof theirs === 'number' ? [theirs] : theirs.data;
  if (typeof ours !== 'number' && typeof theirs !== 'number') assert.deepEqual(ours.shape, theirs.shape, `${what}: shape`);
  let scale = 1;
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
  }
  assert.ok(worst <= tolerance * scale, `${what}: max difference ${worst} > ${tolerance * scale}`);
}

/** Compares everything both sides produced. */
function compare(ours: ReturnType<typeof ourSide>, theirs: TorchResult) {
  assertClose(ours.logits, theirs.logits, 'training logits');
  assertClose(ours.loss, theirs.loss, 'loss');
  assert.deepEqual(Object.keys(ours.grads).sort(), Object.keys(theirs.grads).sort(), 'the same parameters');
  for (const [name, g] of Object.entries(ours.grads)) assertClose(g, theirs.grads[name], `gradient of ${name}`);
  assert.deepEqual(Object.keys(ours.state).sort(), Object.keys(theirs.state).sort(), 'the same state dict names');
  for (const [name, t] of Object.entries(ours.state)) assertClose(t, theirs.state[name], `state ${name} after training`);
  assertClose(ours.evalLogits, theirs.evalLogits, 'eval logits');
}

/** conv (no bias, stride s) -> batch norm -> ReLU -> linear on the flattened NHWC maps. */
class BatchNormModel extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  readonly linear: Linear;

  constructor(readonly stride: number, seed: number) {
    super();
    const random = new Random(seed);
    this.conv = new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, stride, padding: 1, bias: false, name: 'conv' }, random);
    this.bn = new BatchNorm2d({ numFeatures: 4, name: 'bn' });
    const side = Math.floor((5 - 1) / stride) + 1;
    this.linear = new Linear({ inFeatures: 4 * side * side, outFeatures: 3, name: 'linear' }, random);
  }

  namedLayers(): [string, Layer][] {
    return [['conv', this.conv], ['bn', this.bn], ['linear', this.linear]];
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = tf.relu(this.bn.apply(this.conv.apply(x as tf.Tensor4D), this.training));
      return this.linear.apply(tf.reshape(h, [x.shape[0], -1]));
    });
  }

  clone(): BatchNormModel {
    const copy = new BatchNormModel(this.stride, 0);
    copyState(this, copy);
    return copy;
  }
}

/** Seeded inputs in [-1, 1). */
function input(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  const r = new Random(seed);
  return tf.tensor4d(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.next() * 2 - 1), shape);
}

test('BatchNorm2d and strided Conv2d equal PyTorch\'s: logits, loss, gradients, running statistics after 3 steps, eval logits', async () => {
  await ready();
  for (const stride of [1, 2]) {
    const model = new BatchNormModel(stride, 7);
    // Non-trivial batch norm weights and statistics, set through the state dict as PyTorch would load them.
    const state = model.stateDict();
    tf.dispose([state['bn.weight'], state['bn.bias'], state['bn.running_mean'], state['bn.running_var']]);
    Object.assign(state, { 'bn.weight': tf.tensor1d([1.5, 0.5, -1, 2]), 'bn.bias': tf.tensor1d([0.1, -0.2, 0.3, 0]), 'bn.running_mean': tf.tensor1d([0.2, 0, -0.1, 0.3]), 'bn.running_var': tf.tensor1d([1.2, 0.8, 1, 2]) });
    model.loadStateDict(state);
    const x = input([6, 5, 5, 3], 3 + stride);
    const targets = [0, 1, 2, 2, 1, 0];
    const theirs = torchSide('BatchNormModel', { stride }, state, x, targets, 3);
    const ours = ourSide(model, x, targets, 3);
    compare(ours, theirs);
    assert.equal(ours.state['bn.num_batches_tracked'].dataSync()[0], 3);
    ours.dispose();
    tf.dispose([x, ...Object.values(state)]);
    model.dispose();
  }
});

/** Compares what has no kink ambiguity end to end: logits, loss, batch norm statistics, eval logits. */
function compareForward(ours: ReturnType<typeof ourSide>, theirs: TorchResult) {
  assertClose(ours.logits, theirs.logits, 'training logits');
  assertClose(ours.loss, theirs.loss, 'loss');
  assert.deepEqual(Object.keys(ours.grads).sort(), Object.keys(theirs.grads).sort(), 'the same parameters');
  assert.deepEqual(Object.keys(ours.state).sort(), Object.keys(theirs.state).sort(), 'the same state dict names');
  for (const [name, t] of Object.entries(ours.state)) assertClose(t, theirs.state[name], `state ${name} after training`);
  assertClose(ours.evalLogits, theirs.evalLogits, 'eval logits');
}

type BlockCase = { input: Plain; output: Plain; upstream: Plain; inputGrad: Plain; grads: Record<string, Plain> };

/** NCHW values from PyTorch as an NHWC tensor. */
const nhwc = (p: Plain) => tf.tidy(() => tf.transpose(tf.tensor4d(p.data, p.shape as [number, number, number, number]), [0, 2, 3, 1])) as tf.Tensor4D;

/**
 * Every residual block on its own against PyTorch's, fed PyTorch's input to it and the loss's
 * gradient at its output: the block's output, the input's gradient and every parameter's gradient.
 */
function compareBlocks(model: Module & { blocks: BasicBlock[] }, name: string, options: Record<string, unknown>, x: tf.Tensor4D, targets: number[]) {
  const state = model.stateDict();
  const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const input = { model: name, options, targets, state: Object.fromEntries(Object.entries(state).map(([k, v]) => [k, plain(v)])), x: plain(tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]))) };
  const r = spawnSync(python, [path.join(__dirname, '..', 'test', 'torch_parity.py'), 'blocks'], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 29 });
  assert.equal(r.status, 0, r.stderr);
  const cases = JSON.parse(r.stdout) as Record<string, BlockCase>;
  assert.deepEqual(Object.keys(cases), model.blocks.map((b) => b.name));
  model.train();
  for (const block of model.blocks) {
    const c = cases[block.name];
    const h = nhwc(c.input);
    const upstream = nhwc(c.upstream);
    const out = block.apply(h, true);
    assertClose(tf.transpose(out, [0, 3, 1, 2]), c.output, `${block.name}: output`);
    const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(block.apply(t as tf.Tensor4D, true), upstream)))(h);
    assertClose(tf.transpose(dx, [0, 3, 1, 2]), c.inputGrad, `${block.name}: input gradient`);
    const named = block.namedLayers().flatMap(([layerName, layer]) => layer.namedParameters().map(([p, v]) => ({ name: `${layerName}.${p}`, v, perm: layer.torchLayout?.()[p] })));
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(block.apply(h, true), upstream)) as tf.Scalar, named.map((n) => n.v));
    assert.deepEqual(named.map((n) => n.name).sort(), Object.keys(c.grads).sort(), `${block.name}: the same parameters`);
    for (const n of named) assertClose(n.perm ? tf.transpose(grads[n.v.name], n.perm) : grads[n.v.name], c.grads[n.name], `gradient of ${n.name}`);
    tf.dispose([h, upstream, out, dx, value, ...Object.values(grads)]);
  }
  tf.dispose(Object.values(state));
}

test('SlimResNet18 equals Avalanche\'s in PyTorch: PyTorch loads its state dict strictly; logits, loss, batch norm statistics after two steps, eval logits; every block\'s output and gradients', { timeout: 300_000 }, async () => {
  await ready();
  const model = new SlimResNet18({ numClasses: 10, seed: 3 });
  const x = input([4, 32, 32, 3], 11);
  const targets = [3, 1, 4, 1];
  const state = model.stateDict();
  assert.equal(Object.keys(state).length, 122, 'conv and linear weights, batch norms with their three buffers');
  assert.deepEqual(state['conv1.weight'].shape, [20, 3, 3, 3], 'PyTorch\'s layout [out, in, k, k]');
  assert.deepEqual(state['layer2.0.shortcut.0.weight'].shape, [40, 20, 1, 1]);
  assert.deepEqual(state['linear.weight'].shape, [10, 160]);
  const theirs = torchSide('SlimResNet18', { num_classes: 10, nf: 20 }, state, x, targets, 2);
  const ours = ourSide(model, x, targets, 2);
  compareForward(ours, theirs);
  // The stem and the classifier, outside the blocks, end to end (no ReLU kink after the last block).
  assertClose(ours.grads['linear.weight'], theirs.grads['linear.weight'], 'gradient of linear.weight');
  ours.dispose();
  tf.dispose(Object.values(state));
  compareBlocks(model, 'SlimResNet18', { num_classes: 10, nf: 20 }, x, targets);
  tf.dispose(x);
  model.dispose();
});

test('ResNet32 equals Avalanche\'s (FACIL\'s) in PyTorch: strict state dict, logits, loss, statistics, eval logits, every block\'s output and gradients; its convolutions drawn as kaiming_normal_(fan_out)', { timeout: 300_000 }, async () => {
  await ready();
  const model = new ResNet32({ numClasses: 10, seed: 3 });
  const x = input([3, 32, 32, 3], 12);
  const targets = [7, 0, 2];
  const state = model.stateDict();
  assert.deepEqual(state['layer2.0.downsample.0.weight'].shape, [32, 16, 1, 1]);
  assert.deepEqual(state['fc.weight'].shape, [10, 64]);
  assert.equal(model.numParameters, 466906, 'the parameters PyTorch counts for ResNet-32 with 10 classes');
  // kaiming_normal_(mode='fan_out', nonlinearity='relu'): standard deviation sqrt(2 / (out * 3 * 3)).
  const w = Array.from(state['layer3.4.conv2.weight'].dataSync());
  const sd = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
  assert.ok(Math.abs(sd - Math.sqrt(2 / (64 * 9))) < 0.005, `sd ${sd}`);
  const theirs = torchSide('ResNet32', { num_classes: 10 }, state, x, targets, 2);
  const ours = ourSide(model, x, targets, 2);
  compareForward(ours, theirs);
  assertClose(ours.grads['fc.weight'], theirs.grads['fc.weight'], 'gradient of fc.weight');
  ours.dispose();
  tf.dispose(Object.values(state));
  compareBlocks(model, 'ResNet32', { num_classes: 10 }, x, targets);
  tf.dispose(x);
  model.dispose();
});

test('batch norm buffers are state, not parameters: copied by clone and the state dict, absent from trainableVariables; the multi-task model names its heads as Avalanche', async () => {
  await ready();
  const model = new SlimResNet18({ numClasses: 4, nf: 4, seed: 1 });
  const x = input([3, 32, 32, 3], 5);
  tf.dispose(model.forward(x)); // training mode: the running statistics move
  const names = model.namedParameters().map(([n]) => n);
  assert.ok(!names.some((n) => /running_|num_batches/.test(n)), 'no buffer among the parameters');
  assert.equal(model.trainableVariables.length, names.length);
  assert.equal(model.namedBuffers().length, 3 * 20, 'three buffers for each of the 20 batch norms');
  const copy = model.clone();
  const a = model.stateDict();
  const b = copy.stateDict();
  for (const [name, t] of Object.entries(a)) assert.deepEqual(Array.from(b[name].dataSync()), Array.from(t.dataSync()), name);
  assert.equal(a['bn1.num_batches_tracked'].dataSync()[0], 1);
  model.eval();
  copy.eval();
  assert.deepEqual(Array.from(copy.forward(x).dataSync()), Array.from(model.forward(x).dataSync()), 'the clone computes the same outputs');
  assert.throws(() => model.loadStateDict({ ...a, 'conv1.weight': tf.zeros([3, 3, 3, 4]) }), /loadStateDict: conv1\.weight has shape \[3,3,3,4\]; the model's is \[4,3,3,3\] \(PyTorch's layout\)/);
  const mt = new MTSlimResNet18({ nf: 4, seed: 1 });
  const mtState = mt.stateDict();
  // Avalanche's MultiHeadClassifier starts with head '0', an IncrementalClassifier whose nn.Linear is `classifier`.
  assert.deepEqual(Object.keys(mtState).filter((n) => n.startsWith('linear.')), ['linear.classifiers.0.classifier.weight', 'linear.classifiers.0.classifier.bias']);
  assert.deepEqual(mtState['linear.classifiers.0.classifier.weight'].shape, [2, 32]);
  tf.dispose(Object.values(mtState));
  tf.dispose([x, ...Object.values(a), ...Object.values(b)]);
  model.dispose();
  copy.dispose();
  mt.dispose();
});

test('every strategy trains SlimResNet18 (batch norm, residual blocks) on augmented data: two experiences, no tensor left behind, the penalties on parameters only, the buffers moving as training does', { timeout: 600_000 }, async () => {
  await ready();
  const lib = await import('avalanche-ts');
  const full = await lib.SplitMNIST({ nExperiences: 5, seed: 1, source: 'bundled' });
  // Avalanche's CIFAR-style augmentation (crop with padding, flip) on the training data, so that
  // every strategy's loaders, buffers and memory batches go through transforms and the worker.
  const transforms = {
    train: new lib.Compose([new lib.RandomCrop(28, { padding: 4 }), new lib.RandomHorizontalFlip(), new lib.ToTensor(), new lib.Normalize(0.1307, 0.3081)]),
    eval: new lib.Compose([new lib.ToTensor(), new lib.Normalize(0.1307, 0.3081)]),
  };
  // 64 training samples per experience: a few steps each, enough to run every hook.
  const stream = full.trainStream.slice(0, 2).map((e) => ({ ...e, dataset: e.dataset.subset(Int32Array.from({ length: 64 }, (_, i) => i)).withTransforms(transforms).train() }));
  const test = full.testStream.slice(0, 2).map((e) => ({ ...e, dataset: e.dataset.subset(Int32Array.from({ length: 32 }, (_, i) => i)).withTransforms(transforms).eval() }));
  const sentBefore = lib.batchesSentToWorker();
  const sgd = () => new lib.SGD({ lr: 0.01 });
  const ce = () => new lib.CrossEntropyLoss();
  const common = { trainMbSize: 32, trainEpochs: 1, evalMbSize: 32, seed: 1, evaluator: new lib.EvaluationPlugin(lib.accuracyMetrics({ stream: true })) };
  type M = InstanceType<typeof SlimResNet18>;
  const makers: Record<string, (m: M) => InstanceType<typeof lib.BaseStrategy>> = {
    Naive: (m) => new lib.Naive(m, sgd(), ce(), common),
    Cumulative: (m) => new lib.Cumulative(m, sgd(), ce(), common),
    Replay: (m) => new lib.Replay(m, sgd(), ce(), { ...common, memSize: 32 }),
    GDumb: (m) => new lib.GDumb(m, sgd(), ce(), { ...common, memSize: 32 }),
    GEM: (m) => new lib.GEM(m, sgd(), ce(), { ...common, patternsPerExp: 16 }),
    AGEM: (m) => new lib.AGEM(m, sgd(), ce(), { ...common, patternsPerExp: 16, sampleSize: 16 }),
    DER: (m) => new lib.DER(m, sgd(), ce(), { ...common, memSize: 32, batchSizeMem: 8 }),
    ER_ACE: (m) => new lib.ER_ACE(m, sgd(), ce(), { ...common, memSize: 32, batchSizeMem: 8 }),
    ICaRL: (m) => new lib.ICaRL(m, sgd(), { ...common, memorySize: 32 }),
    CWRStar: (m) => new lib.CWRStar(m, sgd(), ce(), common),
    GSS_greedy: (m) => new lib.GSS_greedy(m, sgd(), ce(), { ...common, memSize: 32, memStrength: 1 }),
    EWC: (m) => new lib.EWC(m, sgd(), ce(), { ...common, ewcLambda: 100 }),
    SynapticIntelligence: (m) => new lib.SynapticIntelligence(m, sgd(), ce(), { ...common, siLambda: 1, eps: 0.1 }),
    MAS: (m) => new lib.MAS(m, sgd(), ce(), common),
    LwF: (m) => new lib.LwF(m, sgd(), ce(), { ...common, alpha: 1, temperature: 2 }),
    LFL: (m) => new lib.LFL(m, sgd(), ce(), { ...common, lambdaE: 1 }),
  };
  for (const [name, make] of Object.entries(makers)) {
    const model = new SlimResNet18({ numClasses: 10, nf: 4, inChannels: 1, imageSize: 28, seed: 2 });
    const strategy = make(model);
    model.namedParameters(); // the variables, made at first use
    model.namedBuffers();
    const before = tf.memory().numTensors;
    const runningMean = () => Array.from(model.namedBuffers().find(([n]) => n === 'bn1.running_mean')![1].dataSync());
    const start = runningMean();
    for (const experience of stream) {
      await strategy.train(experience);
      await strategy.eval(test);
    }
    if (strategy instanceof lib.EWC) {
      // The importances cover the parameters (by PyTorch name), not the batch norm buffers.
      const names = [...strategy.ewcPlugin.savedData.get(1)!.importances.keys()].sort();
      assert.deepEqual(names, model.namedParameters().map(([n]) => n).sort());
    }
    const acc = strategy.evaluator.getLastMetrics()['Top1_Acc_Stream/eval_phase/test_stream/Task000'];
    assert.equal(typeof acc, 'number', `${name}: evaluated`);
    assert.notDeepEqual(runningMean(), start, `${name}: the running statistics moved while training`);
    strategy.dispose();
    assert.ok(tf.memory().numTensors <= before + 2, `${name}: ${tf.memory().numTensors - before} tensors left behind`);
    model.dispose();
  }
  assert.ok(lib.batchesSentToWorker() - sentBefore >= 16 * 2 * 2, 'training batches were augmented in the worker');
});

test('weights move both ways through a file: a PyTorch .pt converted to safetensors loads into SlimResNet18 and gives PyTorch\'s logits; ours saved and converted to .pt loads strictly into PyTorch and gives ours', { timeout: 300_000 }, async () => {
  await ready();
  const { loadStateDictFile, saveStateDict } = await import('avalanche-ts');
  const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'clnb-state-'));
  const parity = path.join(__dirname, '..', 'test', 'torch_parity.py');
  const convert = path.join(__dirname, '..', 'scripts', 'convert-state.py');
  const x = input([2, 32, 32, 3], 9);
  const xJson = JSON.stringify({ x: plain(tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]))) });
  const run = (args: string[], stdin = '') => {
    const r = spawnSync(python, args, { input: stdin, encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  // PyTorch to us.
  const theirs = JSON.parse(run([parity, 'make-pt', path.join(dir, 'torch.pt')], xJson));
  run([convert, 'to-safetensors', path.join(dir, 'torch.pt'), path.join(dir, 'torch.safetensors')]);
  const model = new SlimResNet18({ numClasses: 10, nf: 4, seed: 1 });
  const state = loadStateDictFile(path.join(dir, 'torch.safetensors'));
  assert.equal(state['bn1.num_batches_tracked'].dtype, 'int32');
  assert.equal(state['bn1.num_batches_tracked'].dataSync()[0], 3);
  model.loadStateDict(state);
  model.eval();
  assertClose(model.forward(x), theirs.evalLogits, 'eval logits after loading PyTorch\'s weights');
  // Us to PyTorch: our weights after a training step (the statistics move), saved, converted, loaded strictly.
  model.train();
  tf.dispose(model.forward(x));
  model.eval();
  const ours = model.forward(x);
  const mine = model.stateDict();
  saveStateDict(mine, path.join(dir, 'ours.safetensors'));
  run([convert, 'to-pt', path.join(dir, 'ours.safetensors'), path.join(dir, 'ours.pt')]);
  const back = JSON.parse(run([parity, 'eval-pt', path.join(dir, 'ours.pt')], xJson));
  assertClose(ours, back.evalLogits, 'PyTorch\'s eval logits with our weights');
  // The file read back is the state itself.
  const again = loadStateDictFile(path.join(dir, 'ours.safetensors'));
  for (const [name, t] of Object.entries(mine)) assert.deepEqual(Array.from(again[name].dataSync()), Array.from(t.dataSync()), name);
  assert.throws(() => loadStateDictFile(path.join(dir, 'ours.pt')), /loadStateDictFile: .*ours\.pt is not a safetensors file/);
  tf.dispose([x, ours, ...Object.values(state), ...Object.values(mine), ...Object.values(again)]);
  model.dispose();
});

/** Runs a script in a Node process of its own (its own backend and kernels) and parses the JSON of its last line. */
function runScript(script: string, env: Record<string, string>) {
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, ...env, AVALANCHE_TS_QUIET: '1' } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

test('the native convolution on two BLAS threads (samples split over workers) gives what it gives on one, and tfjs\'s convolution', { timeout: 120_000 }, () => {
  const script = `
    const lib = require('avalanche-ts');
    const tf = require('@tensorflow/tfjs-core');
    const native = require('avalanche-ts/dist/backend/nativeBlas');
    (async () => {
      const info = await lib.initBackend({ verbose: false });
      if (!native.nativeConvActive()) { console.log(JSON.stringify({ skipped: info.details })); return; }
      const r = lib.makeRandom(1);
      const t = (shape) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()), shape);
      const out = {};
      for (const [name, [b, h, c, k, s, p, o]] of Object.entries({ strided: [7, 9, 3, 3, 2, 1, 4], pointwise: [5, 6, 8, 1, 1, 0, 3] })) {
        const x = t([b, h, h, c]), w = t([k, k, c, o]);
        const oh = Math.floor((h + 2 * p - k) / s) + 1;
        const dims = [b, h, h, c, k, s, p, oh, oh, o];
        const dy = t([b, oh, oh, o]);
        out[name] = {
          y: Array.from(native.nativeConv(0, x, w, dims).dataSync()),
          dw: Array.from(native.nativeConv(1, x, dy, dims).dataSync()),
          dx: Array.from(native.nativeConv(2, dy, w, dims).dataSync()),
          tf: Array.from(tf.conv2d(x, w, s, p).dataSync()),
        };
      }
      console.log(JSON.stringify(out));
    })();`;
  const run = (threads: string) => runScript(script, { AVALANCHE_TS_BLAS_THREADS: threads });
  const one = run('1');
  if (one.skipped) return void console.log(`skipped: the native BLAS path does not run here (${one.skipped})`);
  const two = run('2');
  const worst = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]) / Math.max(1, Math.abs(b[i]))));
  for (const name of ['strided', 'pointwise']) {
    // Each sample's output and input gradient are the same products in either case; the filter
    // gradient sums the workers' parts in another order.
    assert.deepEqual(two[name].y, one[name].y, `${name}: forward`);
    assert.deepEqual(two[name].dx, one[name].dx, `${name}: input gradient`);
    assert.ok(worst(two[name].dw, one[name].dw) < 1e-5, `${name}: filter gradient`);
    assert.ok(worst(one[name].y, one[name].tf) < 1e-5, `${name}: against tfjs's conv2d`);
  }
});

test('batch norm on the native path (native/batchnorm.c) gives what the wasm kernels give: output, every gradient, running statistics; no tensor left behind', { timeout: 120_000 }, () => {
  const script = `
    const lib = require('avalanche-ts');
    const tf = require('@tensorflow/tfjs-core');
    const native = require('avalanche-ts/dist/backend/nativeBlas');
    (async () => {
      const info = await lib.initBackend({ verbose: false });
      const r = lib.makeRandom(3);
      const t = (shape, scale, shift) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal() * scale + shift), shape);
      const out = { native: native.nativeBatchNormActive(), details: info.details };
      for (const [name, make, shape] of [['2d', () => new lib.BatchNorm2d({ numFeatures: 5 }), [6, 4, 3, 5]], ['1d', () => new lib.BatchNorm1d({ numFeatures: 7 }), [9, 7]]]) {
        const bn = make();
        const x = t(shape, 3, 2), dy = t(shape, 1, 0);
        bn.loadParameters({ weight: t([shape[shape.length - 1]], 0.5, 1), bias: t([shape[shape.length - 1]], 0.5, 0),
          running_mean: tf.zeros([shape[shape.length - 1]]), running_var: tf.ones([shape[shape.length - 1]]), num_batches_tracked: tf.scalar(0, 'int32') });
        const [weight, bias] = bn.namedParameters().map(([, v]) => v);
        let before = 0;
        const steps = [];
        for (let i = 0; i < 3; i++) {
          if (i === 1) before = tf.memory().numTensors;
          const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.apply(x, true), dy)), [weight, bias]);
          const dx = tf.grad((input) => tf.sum(tf.mul(bn.apply(input, true), dy)))(x);
          steps.push({ y: Array.from(value.dataSync()), dx: Array.from(dx.dataSync()),
            dw: Array.from(grads[weight.name].dataSync()), db: Array.from(grads[bias.name].dataSync()) });
          tf.dispose([value, dx, ...Object.values(grads)]);
        }
        out[name] = { steps, leaked: tf.memory().numTensors - before,
          state: bn.namedBuffers().map(([k, v]) => [k, Array.from(v.dataSync())]), y: Array.from(tf.tidy(() => bn.apply(x, true)).dataSync()) };
      }
      console.log(JSON.stringify(out));
    })();`;
  const run = (blas: string) => runScript(script, { AVALANCHE_TS_BLAS: blas });
  const nat = run('1');
  if (!nat.native) return void console.log(`skipped: the native BLAS path does not run here (${nat.details})`);
  const wasm = run('0');
  assert.equal(wasm.native, false, 'AVALANCHE_TS_BLAS=0 runs the wasm kernels');
  const worst = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]) / Math.max(1, Math.abs(b[i]))));
  for (const name of ['2d', '1d']) {
    for (const [i, step] of nat[name].steps.entries()) {
      for (const k of ['y', 'dx', 'dw', 'db']) assert.ok(worst(step[k], wasm[name].steps[i][k]) < 1e-5, `${name} step ${i}: ${k}`);
    }
    for (const [i, [k, v]] of nat[name].state.entries()) assert.ok(worst(v, wasm[name].state[i][1]) < 1e-5, `${name}: ${k}`);
    assert.ok(worst(nat[name].y, wasm[name].y) < 1e-5, `${name}: output after the running statistics moved`);
    assert.equal(nat[name].leaked, 0, `${name}: tensors left behind on the native path`);
    assert.equal(wasm[name].leaked, 0, `${name}: tensors left behind on the wasm path`);
  }
});

test('max pooling\'s gradient on wasm equals tfjs\'s cpu kernel (wasm\'s own loses some): valid and same padding, overlapping windows, a whole-map pool; SimpleCNN\'s gradients too', { timeout: 120_000 }, () => {
  const script = `
    const lib = require('avalanche-ts');
    const tf = require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-backend-cpu');
    (async () => {
      const info = await lib.initBackend({ verbose: false, backend: 'wasm' });
      const r = lib.makeRandom(5);
      const cases = [['2x2 valid', [3, 8, 8, 5], 2, 2, 'valid'], ['3x3 stride 2 same', [2, 9, 7, 4], 3, 2, 'same'],
        ['3x3 stride 1 same', [2, 5, 6, 3], 3, 1, 'same'], ['whole map', [4, 5, 5, 6], [5, 5], 1, 'valid']]
        .map(([name, shape, size, stride, pad]) => {
          const n = shape.reduce((a, b) => a * b, 1);
          return { name, shape, size, stride, pad, x: Float32Array.from({ length: n }, () => r.normal()) };
        });
      const grads = () => Object.fromEntries(cases.map(({ name, shape, size, stride, pad, x }) => tf.tidy(() => {
        const input = tf.tensor(x, shape);
        const y = tf.maxPool(input, size, stride, pad);
        const dy = tf.tensor(Float32Array.from({ length: y.size }, (_, i) => Math.sin(i + 1)), y.shape);
        return [name, Array.from(tf.grad((v) => tf.sum(tf.mul(tf.maxPool(v, size, stride, pad), dy)))(input).dataSync())];
      })));
      const model = new lib.SimpleCNN({ seed: 1, numClasses: 10 });
      const images = tf.tensor(Float32Array.from({ length: 4 * 28 * 28 }, () => r.normal()), [4, 28, 28]);
      const cnn = () => { model.eval(); const g = tf.grads((v) => tf.sum(tf.mul(model.forward(v), tf.range(1, 11))))([images])[0]; return Array.from(g.dataSync()); };
      const wasm = { ...grads(), cnn: cnn() };
      await tf.setBackend('cpu');
      console.log(JSON.stringify({ details: info.details, wasm, cpu: { ...grads(), cnn: cnn() } }));
    })();`;
  const { wasm, cpu } = runScript(script, {});
  for (const name of ['2x2 valid', '3x3 stride 2 same', '3x3 stride 1 same', 'whole map', 'cnn']) {
    assert.equal(wasm[name].length, cpu[name].length);
    // Overlapping windows add their gradients in another order, and SimpleCNN's convolutions differ in the last bits.
    wasm[name].forEach((v: number, i: number) => assert.ok(Math.abs(v - cpu[name][i]) < 1e-4 * Math.max(1, Math.abs(cpu[name][i])), `${name}: dx[${i}] ${v} against ${cpu[name][i]}`));
    assert.ok(wasm[name].some((v: number) => v !== 0), `${name}: a gradient reached the input`);
  }
});
