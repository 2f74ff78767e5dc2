/**
 * The webgpu backend without a GPU: Dawn on Mesa's software renderer (OpenGL ES, EGL surfaceless),
 * forced by AVALANCHE_TS_BACKEND=webgpu and AVALANCHE_TS_WEBGPU=software. Backends are global to a
 * process, so each check runs in a child process. CI installs Mesa's EGL/GLES (see .ci/run).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { gpuDeviceFiles } from 'avalanche-ts';

const root = path.resolve(__dirname, '..');

/** Runs `code` in a child Node process (cwd: the repository) with `env`; returns its stdout as JSON. */
function child(code: string, env: Record<string, string>): { json: unknown; stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, ['-e', code], { cwd: root, env: { ...process.env, AVALANCHE_TS_OFFLINE: '1', ...env }, encoding: 'utf8', timeout: 240_000 });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let json: unknown = null;
  try {
    json = JSON.parse(last);
  } catch {
    // not JSON: reported by the caller
  }
  return { json, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** A few seeded training steps of SimpleMLP; prints the backend, losses and some weights. */
const TRAIN_STEPS = `
const lib = require('./kernel-lib');
const tf = require('@tensorflow/tfjs');
(async () => {
  const info = await lib.initBackend({ verbose: false });
  const b = await lib.SplitMNIST({ seed: 3, source: 'bundled' });
  const model = new lib.SimpleMLP({ seed: 3, dropRate: 0 });
  const losses = [];
  const evaluator = new lib.EvaluationPlugin(lib.lossMetrics({ minibatch: true }), lib.accuracyMetrics({ stream: true }));
  const s = new lib.Naive(model, new lib.SGD({ lr: 0.01, momentum: 0.9 }), new lib.CrossEntropyLoss(), { trainMbSize: 200, evalMbSize: 500, evaluator, seed: 3,
    plugins: [{ afterTrainingIteration: () => {} }] });
  const exp = { ...b.trainStream[0] };
  await s.train(b.trainStream[0]);
  const all = evaluator.getAllMetrics()['Loss_MB/train_phase/train_stream/Task000'].values;
  const res = await s.eval(b.testStream.slice(0, 2));
  const w = Array.from((await model.trainableVariables[3].data()).slice(0, 5));
  const w0 = Array.from((await model.trainableVariables[0].data()).slice(1000, 1005));
  console.log(JSON.stringify({ backend: info.name, details: info.details, losses: all, acc: res['Top1_Acc_Stream/eval_phase/test_stream/Task000'], w, w0 }));
})().catch((e) => { console.log(JSON.stringify({ error: e.message })); });
`;

test('webgpu (software renderer) trains like the cpu backend: losses and weights to ~1e-5', { timeout: 300_000 }, () => {
  const gpu = child(TRAIN_STEPS, { AVALANCHE_TS_BACKEND: 'webgpu', AVALANCHE_TS_WEBGPU: 'software' });
  const cpu = child(TRAIN_STEPS, { AVALANCHE_TS_BACKEND: 'cpu' });
  const g = gpu.json as { backend: string; details: string; losses: number[]; acc: number; w: number[]; w0: number[]; error?: string };
  const c = cpu.json as typeof g;
  assert.ok(g && !g.error, `webgpu run failed: ${g?.error ?? gpu.stdout + gpu.stderr.slice(-2000)}`);
  assert.ok(c && !c.error, `cpu run failed: ${c?.error ?? cpu.stdout}`);
  assert.equal(g.backend, 'webgpu');
  assert.match(g.details, /llvmpipe|OpenGL/i, 'Mesa software renderer');
  assert.equal(c.backend, 'cpu');
  assert.equal(g.losses.length, c.losses.length);
  assert.ok(g.losses.length >= 8, `${g.losses.length} training steps`);
  g.losses.forEach((l, i) => assert.ok(Math.abs(l - c.losses[i]) < 1e-5, `step ${i}: loss ${l} vs ${c.losses[i]}`));
  [...g.w, ...g.w0].forEach((v, i) => assert.ok(Math.abs(v - [...c.w, ...c.w0][i]) < 1e-5, `weight ${i}: ${v} vs ${[...c.w, ...c.w0][i]}`));
  assert.ok(Math.abs(g.acc - c.acc) < 1e-3, `accuracy ${g.acc} vs ${c.acc}`);
});

test('forcing webgpu where it cannot start gives a clear error; without forcing, wasm is chosen', { timeout: 120_000 }, () => {
  const code = `require('./kernel-lib').initBackend({ verbose: false }).then((b) => console.log(JSON.stringify({ name: b.name, attempts: b.attempts })), (e) => console.log(JSON.stringify({ error: e.message })));`;
  // No GPU here: the default (Vulkan) path finds no adapter and says why.
  const forced = child(code, { AVALANCHE_TS_BACKEND: 'webgpu', AVALANCHE_TS_WEBGPU: '' }).json as { error: string };
  assert.match(forced.error, /backend 'webgpu' could not be started \(webgpu: no GPU adapter: (this machine has no GPU device \(no \/dev\/dri\/renderD\*, \/dev\/nvidia\*, \/dev\/dxg\), so Dawn is not asked|no GPU, or its Vulkan driver is not found|the Vulkan loader \(libvulkan.so.1\) is not installed|no Vulkan driver is installed \(no ICD manifest in .*\); on NVIDIA, set VK_DRIVER_FILES)/);
  const autoRun = child(code, { AVALANCHE_TS_BACKEND: '', AVALANCHE_TS_WEBGPU: '' });
  const auto = autoRun.json as { name: string; attempts: Array<{ name: string; ok: boolean; reason?: string }> };
  assert.equal(auto.name, 'wasm');
  const webgpu = auto.attempts.find((a) => a.name === 'webgpu')!;
  assert.equal(webgpu.ok, false);
  assert.match(webgpu.reason!, /no GPU adapter/);
  // Without a GPU device or a Vulkan driver Dawn is not even asked, so nothing of Dawn's or Vulkan's is
  // printed, also where Mesa's Vulkan drivers are installed (CI installs them: most desktops have them).
  if (gpuDeviceFiles()?.length === 0) assert.match(webgpu.reason!, /this machine has no GPU device/);
  if (/no GPU device|no Vulkan driver is installed/.test(webgpu.reason!)) assert.equal(autoRun.stderr, '', 'nothing on stderr');
});

test('AVALANCHE_TS_WEBGPU: null (Dawn\'s null device, for host-cost figures) only when webgpu is forced; other values are an error', { timeout: 120_000 }, () => {
  const code = `
const lib = require('./kernel-lib');
const tf = require('@tensorflow/tfjs');
(async () => {
  const b = await lib.initBackend({ verbose: false });
  let dispatches = 0;
  if (b.name === 'webgpu') { const be = tf.backend(); const run = be.runWebGPUProgram.bind(be); be.runWebGPUProgram = (...a) => { dispatches++; return run(...a); }; }
  const data = await lib.SplitMNIST({ seed: 1, source: 'bundled' });
  const s = new lib.Naive(new lib.SimpleMLP({ seed: 1 }), new lib.SGD({ lr: 0.01, momentum: 0.9 }), new lib.CrossEntropyLoss(), { trainMbSize: 500, seed: 1, evaluator: new lib.EvaluationPlugin(lib.lossMetrics({ epoch: true })) });
  await s.train(data.trainStream[0]);
  console.log(JSON.stringify({ name: b.name, details: b.details, mode: lib.webgpuInfo()?.mode ?? null, attempts: b.attempts, dispatches, steps: s.clock.trainIterations }));
})().catch((e) => console.log(JSON.stringify({ error: e.message })));`;
  type Run = { name: string; details: string; mode: string | null; attempts: Array<{ name: string; ok: boolean; reason?: string }>; dispatches: number; steps: number; error?: string };
  const forced = child(code, { AVALANCHE_TS_BACKEND: 'webgpu', AVALANCHE_TS_WEBGPU: 'null' });
  const f = forced.json as Run;
  assert.ok(f && !f.error, `null-device run failed: ${f?.error ?? forced.stdout + forced.stderr.slice(-2000)}`);
  assert.equal(f.mode, 'null');
  assert.match(f.details, /null device.*meaningless/);
  assert.match(forced.stderr, /Dawn's null device \(AVALANCHE_TS_WEBGPU=null\): nothing runs on a GPU and every result is meaningless/);
  // The whole step is encoded (validated by Dawn), as on a GPU.
  assert.ok(f.dispatches / f.steps > 15, `${f.dispatches} dispatches over ${f.steps} steps`);
  // Never chosen automatically: its results are meaningless.
  const auto = child(code, { AVALANCHE_TS_BACKEND: '', AVALANCHE_TS_WEBGPU: 'null' }).json as Run;
  assert.equal(auto.name, 'wasm');
  assert.match(auto.attempts.find((a) => a.name === 'webgpu')!.reason!, /AVALANCHE_TS_WEBGPU=null is used only when webgpu is forced/);
  const bad = child(code, { AVALANCHE_TS_BACKEND: '', AVALANCHE_TS_WEBGPU: 'sofware' }).json as Run;
  assert.equal(bad.error, "AVALANCHE_TS_WEBGPU='sofware': expected one of gpu, software, null (or unset for gpu)");
});

/**
 * Trains on webgpu (software renderer) and runs `lose` (JS) after the second iteration; prints the training
 * error, the error of a later read, and the iterations run.
 */
function trainThroughDeviceLoss(lose: string): { json: { error: string | null; later: string | null; iterations: number } | null; stdout: string; stderr: string } {
  const code = `
const lib = require('./kernel-lib');
const tf = require('@tensorflow/tfjs');
(async () => {
  await lib.initBackend({ verbose: false });
  const b = await lib.SplitMNIST({ seed: 1, source: 'bundled' });
  let iterations = 0;
  const s = new lib.Naive(new lib.SimpleMLP({ seed: 1 }), new lib.SGD({ lr: 0.01 }), new lib.CrossEntropyLoss(), { trainMbSize: 200, evaluator: new lib.EvaluationPlugin(lib.lossMetrics({ minibatch: true, epoch: true })),
    plugins: [{ afterTrainingIteration: () => { iterations += 1; if (iterations === 2) { ${lose}; } } }] });
  let error = null, later = null;
  try { await s.train(b.trainStream[0]); } catch (e) { error = e.message; }
  try { await tf.randomNormal([100000]).mul(2).sum().data(); } catch (e) { later = e.message; }
  console.log(JSON.stringify({ error, later, iterations }));
})();`;
  const r = child(code, { AVALANCHE_TS_BACKEND: 'webgpu', AVALANCHE_TS_WEBGPU: 'software' });
  return { json: r.json as { error: string | null; later: string | null; iterations: number } | null, stdout: r.stdout, stderr: r.stderr };
}

test('a device lost mid-training stops training with an error naming it', { timeout: 300_000 }, () => {
  const r = trainThroughDeviceLoss("lib.reportWebGPUError('WebGPU device lost (destroyed): simulated loss')").json!;
  assert.match(r.error ?? '', /WebGPU device lost \(destroyed\): simulated loss/);
  assert.equal(r.iterations, 2, 'training stopped at the iteration after the loss');
});

test('a real device loss (device.destroy() mid-training) stops training with an error naming it, and later reads fail with it', { timeout: 300_000 }, () => {
  const r = trainThroughDeviceLoss('tf.backend().device.destroy()');
  const j = r.json!;
  assert.ok(j, `no result: ${r.stdout}${r.stderr.slice(-2000)}`);
  // Dawn aborts the pending metric read with an AbortError that has no message: the error must name the loss.
  assert.equal(j.error, 'WebGPU device lost (destroyed): device was destroyed');
  assert.ok(j.iterations <= 3, `training stopped soon after the loss (${j.iterations} iterations)`);
  assert.equal(j.later, 'WebGPU device lost (destroyed): device was destroyed');
});

/** Each fused webgpu kernel against the plain tfjs ops (setFusedOps(false)) on the same backend and inputs. */
const FUSED_VS_PLAIN = `
const lib = require('./kernel-lib');
const tf = require('@tensorflow/tfjs');
const ops = require('./kernel-lib/dist/ops/fusedOps');
(async () => {
  await lib.initBackend({ verbose: false });
  const rnd = new lib.Random(7);
  const t = (shape, scale = 1) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (rnd.next() * 2 - 1) * scale), shape);
  // odd sizes: threads past the end of a workgroup must not write
  const p = t([37, 13]), g = t([37, 13]), m = t([37, 13]);
  const logits = t([131, 7], 3);
  const labels = tf.tensor1d(Int32Array.from({ length: 131 }, () => rnd.int(7)), 'int32');
  const dy = tf.scalar(1.7);
  const pool = t([10000]);
  const x = t([131, 29]);
  const y = t([131, 29]);
  const cases = {};
  const hypers = {
    plain: { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
    momentum: { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false },
    decayDampening: { lr: 0.05, momentum: 0.8, dampening: 0.3, weightDecay: 0.01, nesterov: false },
    nesterovDecay: { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 0.02, nesterov: true },
  };
  const run = () => {
    const out = {};
    for (const [name, h] of Object.entries(hypers)) {
      const first = h.momentum ? ops.sgdMomentumBuffer(p, g, undefined, h) : undefined;
      const next = h.momentum ? ops.sgdMomentumBuffer(p, g, m, h) : undefined;
      out['sgdBufferFirst_' + name] = first;
      out['sgdBuffer_' + name] = next;
      out['sgdParam_' + name] = ops.sgdParamUpdate(p, g, next, h);
    }
    for (const [name, h] of Object.entries(hypers)) {
      if (!h.momentum) continue;
      const first = ops.sgdMomentumBufferFlat([p, x, logits], [g, y, logits.mul(0.5)], undefined, h);
      const next = ops.sgdMomentumBufferFlat([p, x, logits], [g, y, logits.mul(0.5)], first.buffer.mul(-0.7), h);
      out['sgdFlatFirst_' + name] = first.buffer;
      out['sgdFlat_' + name] = next.buffer;
      out['sgdParamFromFlat_' + name] = ops.sgdParamUpdate(x, y, next.buffer, h, next.starts[1]);
    }
    // The optimizer over 4 steps, the second variable without a gradient at the third (the flat buffer is split).
    const optimizerRun = (options) => {
      const vars = [tf.variable(p.clone()), tf.variable(m.clone()), tf.variable(x.clone())];
      const sources = [g, p, y];
      const opt = new lib.SGD(options);
      for (let k = 0; k < 4; k++) {
        const grads = Object.fromEntries(vars.map((v, i) => [v.name, tf.mul(sources[i], k + 1)]));
        if (k === 2) { grads[vars[1].name].dispose(); delete grads[vars[1].name]; }
        opt.step(vars, grads);
        tf.dispose(Object.values(grads));
      }
      const result = tf.concat(vars.map((v) => v.reshape([-1])));
      opt.dispose();
      vars.forEach((v) => v.dispose());
      return result;
    };
    out.sgdSteps_momentum = optimizerRun({ lr: 0.1, momentum: 0.9 });
    out.sgdSteps_decayDampening = optimizerRun({ lr: 0.05, momentum: 0.8, dampening: 0.3, weightDecay: 0.01 });
    out.sgdSteps_nesterovDecay = optimizerRun({ lr: 0.05, momentum: 0.9, weightDecay: 0.02, nesterov: true });
    for (const wd of [0, 0.01]) {
      const m1 = ops.adamMoment(p, g, undefined, 0.9, wd, false);
      const v1 = ops.adamMoment(p, g, undefined, 0.999, wd, true);
      const m2 = ops.adamMoment(p, g, m1, 0.9, wd, false);
      const v2 = ops.adamMoment(p, g, v1.abs(), 0.999, wd, true);
      Object.assign(out, { ['adamM1_' + wd]: m1, ['adamV1_' + wd]: v1, ['adamM2_' + wd]: m2, ['adamV2_' + wd]: v2,
        ['adamParam_' + wd]: ops.adamParamUpdate(p, m2, v2, 0.001 / 0.19, Math.sqrt(0.002), 1e-8) });
    }
    out.ce = ops.softmaxCrossEntropy(logits, labels);
    out.ceFloatLabels = ops.softmaxCrossEntropy(logits, labels.toFloat());
    out.ceGrad = ops.softmaxCrossEntropyGrad(logits, labels, dy);
    out.columnSum = ops.columnSum(x);
    out.reluGrad = ops.reluGrad(x, y);
    out.maskWindow = ops.maskWindow(x, pool, 1234);
    out.bernoulliPool = ops.bernoulliMaskPool(100003, 0.3, 987654321);
    out.hits = ops.predictionHits(logits, labels);
    out.hitCount = ops.predictionHitCount(logits, labels);
    const scalars = Array.from({ length: 13 }, (_, i) => tf.scalar(i * 0.37 - 1));
    const weights = scalars.map((_, i) => (i % 3) + 0.5);
    out.weightedSum13 = ops.weightedSum(scalars, weights); // three dispatches: 6, then 5 + the total, then 2 + the total
    out.weightedSum1 = ops.weightedSum([scalars[4]], [3]);
    out.addN13 = tf.addN(scalars); // a tfjs kernel binding 13 inputs: needs the raised storage-buffer limit
    const [mw] = [tf.grad((v) => ops.maskWindow(v, pool, 99).sum())(x)];
    out.maskWindowGrad = mw;
    out.ceLossGrad = tf.grad((l) => new lib.CrossEntropyLoss().forward(l, labels))(logits);
    return out;
  };
  lib.setFusedOps(true);
  const active = lib.fusedOpsActive();
  const fused = run();
  lib.setFusedOps(false);
  const plain = run();
  for (const k of Object.keys(fused)) {
    if (!fused[k]) continue;
    const a = await fused[k].data(), b = await plain[k].data();
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    cases[k] = { maxDiff, size: a.length, sameShape: fused[k].shape.join() === plain[k].shape.join() };
  }
  let badOffset = null;
  try { ops.maskWindow(x, pool, 10000 - 10); } catch (e) { badOffset = e.message; }
  // The fused mask pool: the kept fraction, and another seed gives another pool.
  lib.setFusedOps(true);
  const poolA = await ops.bernoulliMaskPool(100003, 0.3, 987654321).data();
  const poolB = await ops.bernoulliMaskPool(100003, 0.3, 987654322).data();
  let kept = 0, differ = 0, values = new Set();
  for (let i = 0; i < poolA.length; i++) { if (poolA[i] !== 0) kept++; if (poolA[i] !== poolB[i]) differ++; values.add(poolA[i]); }
  const poolStats = { kept: kept / poolA.length, differ: differ / poolA.length, values: [...values].sort() };
  let gpuError = null;
  try { lib.checkWebGPU(); } catch (e) { gpuError = e.message; }
  console.log(JSON.stringify({ backend: tf.getBackend(), active, cases, badOffset, gpuError, poolStats }));
})().catch((e) => { console.log(JSON.stringify({ error: e.message })); });
`;

test('fused webgpu kernels equal the plain tfjs ops (SGD variants, Adam, cross-entropy and its gradient, sums, masks, hits)', { timeout: 300_000 }, () => {
  const r = child(FUSED_VS_PLAIN, { AVALANCHE_TS_BACKEND: 'webgpu', AVALANCHE_TS_WEBGPU: 'software' });
  const j = r.json as { backend: string; active: boolean; cases: Record<string, { maxDiff: number; size: number; sameShape: boolean }>; badOffset: string; gpuError: string | null; error?: string };
  assert.ok(j && !j.error, `run failed: ${j?.error ?? r.stdout + r.stderr.slice(-2000)}`);
  assert.equal(j.backend, 'webgpu');
  assert.equal(j.active, true);
  assert.equal(j.gpuError, null, 'no GPU validation error (e.g. a kernel binding more storage buffers than the device allows)');
  const names = Object.keys(j.cases);
  assert.ok(names.length >= 40, `${names.length} cases: ${names.join(', ')}`);
  for (const [name, c] of Object.entries(j.cases)) {
    assert.ok(c.sameShape, `${name}: shapes differ`);
    assert.ok(c.maxDiff < 1e-5, `${name}: max difference ${c.maxDiff} over ${c.size} values`);
  }
  assert.equal(j.cases.hits.size, 131);
  assert.match(j.badOffset, /maskWindow: offset must be an integer in \[0, 6201\], got 9990/);
  // The dropout mask pool drawn on the GPU is the host's, bit for bit, and keeps each value with probability 0.3
  // (100,003 draws: the standard deviation of the fraction is 0.0014).
  assert.equal(j.cases.bernoulliPool.maxDiff, 0, 'the fused mask pool equals the host loop exactly');
  const stats = (j as unknown as { poolStats: { kept: number; differ: number; values: number[] } }).poolStats;
  assert.ok(Math.abs(stats.kept - 0.3) < 0.006, `kept fraction ${stats.kept}`);
  assert.deepEqual(stats.values, [0, Math.fround(1 / 0.3)]);
  // Two independent pools differ where exactly one keeps: 2 * 0.3 * 0.7 = 0.42.
  assert.ok(Math.abs(stats.differ - 0.42) < 0.01, `seeds 987654321 and 987654322 differ at ${stats.differ} of the values`);
});

/** GPU dispatches per training step of the tutorial's SimpleMLP (batch 500, dropout, momentum, default evaluator). */
const DISPATCH_COUNT = `
const lib = require('./kernel-lib');
const tf = require('@tensorflow/tfjs');
(async () => {
  await lib.initBackend({ verbose: false });
  const b = await lib.SplitMNIST({ seed: 1, source: 'bundled' });
  const evaluator = new lib.EvaluationPlugin(lib.accuracyMetrics({ epoch: true, experience: true, stream: true }), lib.lossMetrics({ epoch: true, experience: true, stream: true }));
  const s = new lib.Naive(new lib.SimpleMLP({ seed: 1 }), new lib.SGD({ lr: 0.001, momentum: 0.9 }), new lib.CrossEntropyLoss(), { trainMbSize: 500, evalMbSize: 100, seed: 1, evaluator });
  await s.train(b.trainStream[0]);
  await s.eval(b.testStream[0]);
  const backend = tf.backend();
  let dispatches = 0;
  const original = backend.runWebGPUProgram.bind(backend);
  backend.runWebGPUProgram = (...args) => { dispatches += 1; return original(...args); };
  const before = s.clock.trainIterations;
  const tensorsBefore = tf.memory().numTensors;
  await s.train(b.trainStream[0]);
  const perStep = dispatches / (s.clock.trainIterations - before);
  const tensorsAfter = tf.memory().numTensors;
  dispatches = 0;
  const evalBefore = s.clock.totalIterations;
  await s.eval(b.testStream[0]);
  const perEvalBatch = dispatches / (s.clock.totalIterations - evalBefore);
  // Bytes uploaded from the host while a new model trains on data already on the GPU.
  let uploaded = 0;
  const upload = backend.uploadToGPU.bind(backend);
  backend.uploadToGPU = (dataId) => { const d = backend.tensorMap.get(dataId); if (d && d.resource == null && d.values) uploaded += d.values.byteLength; return upload(dataId); };
  const fresh = new lib.Naive(new lib.SimpleMLP({ seed: 2 }), new lib.SGD({ lr: 0.001, momentum: 0.9 }), new lib.CrossEntropyLoss(), { trainMbSize: 500, seed: 2, evaluator });
  await fresh.train(b.trainStream[0]);
  console.log(JSON.stringify({ perStep, perEvalBatch, tensorsBefore, tensorsAfter, uploadedByNewModel: uploaded, steps: Math.ceil(b.trainStream[0].dataset.length / 500) }));
})().catch((e) => { console.log(JSON.stringify({ error: e.message })); });
`;

test('a training step and an evaluation batch issue far fewer GPU dispatches with the fused kernels (counted, not timed); no tensor leaks', { timeout: 300_000 }, () => {
  type Counts = { perStep: number; perEvalBatch: number; error?: string };
  const fused = child(DISPATCH_COUNT, { AVALANCHE_TS_BACKEND: 'webgpu', AVALANCHE_TS_WEBGPU: 'software' }).json as Counts;
  const plain = child(DISPATCH_COUNT, { AVALANCHE_TS_BACKEND: 'webgpu', AVALANCHE_TS_WEBGPU: 'software', AVALANCHE_TS_FUSED: '0' }).json as Counts;
  assert.ok(fused && !fused.error && plain && !plain.error, `runs failed: ${fused?.error} ${plain?.error}`);
  // Measured: training 20.0 fused against 50.7 plain tfjs ops (53 before the fused kernels; 3 steps, the first of an
  // experience makes the momentum buffers); evaluation 6.5 against 19.5.
  assert.ok(fused.perStep <= 22, `${fused.perStep} dispatches per training step with the fused kernels`);
  assert.ok(plain.perStep >= 40, `${plain.perStep} dispatches per training step without them`);
  assert.ok(fused.perEvalBatch <= 8, `${fused.perEvalBatch} dispatches per evaluation batch with the fused kernels`);
  assert.ok(plain.perEvalBatch >= 15, `${plain.perEvalBatch} dispatches per evaluation batch without them`);
  const f = fused as unknown as { tensorsBefore: number; tensorsAfter: number };
  assert.equal(f.tensorsAfter, f.tensorsBefore, 'no tensor is left behind by an experience');
  // A new model's first experience uploads its weights (1.6 MB), and per step the batch's indices and labels;
  // its dropout mask pool (16 MB) is drawn on the GPU, not uploaded.
  const u = fused as unknown as { uploadedByNewModel: number; steps: number };
  assert.ok(u.uploadedByNewModel < 2.5e6, `${u.uploadedByNewModel} bytes uploaded by a new model's ${u.steps} steps`);
});

/** Feature-based buffer selection: asynchronous on webgpu (no synchronous reads there), synchronous on cpu. */
const FEATURE_SELECTION = `
const lib = require('./kernel-lib');
(async () => {
  await lib.initBackend({ verbose: false });
  const b = await lib.SplitMNIST({ seed: 5, source: 'bundled' });
  const model = new lib.SimpleMLP({ seed: 5 });
  model.train();
  const out = { modes: {} };
  for (const [name, Strategy] of [['closest', lib.ClosestToCenterSelectionStrategy], ['herding', lib.HerdingSelectionStrategy]]) {
    const buffer = new lib.ParametricBuffer({ maxSize: 40, groupby: 'class', selectionStrategy: new Strategy(model) });
    const r1 = buffer.update({ experience: b.trainStream[0], evalMbSize: 500 });
    const isPromise = !!r1 && typeof r1.then === 'function';
    let early = null;
    if (isPromise) { try { buffer.buffer; } catch (e) { early = e.message; } }
    await r1;
    await buffer.update({ experience: b.trainStream[1], evalMbSize: 500 });
    out.modes[name] = { isPromise, early, ids: Array.from(buffer.buffer.sampleIds), targets: Array.from(buffer.buffer.targets) };
  }
  out.training = model.training;
  console.log(JSON.stringify(out));
})().catch((e) => { console.log(JSON.stringify({ error: e.message })); });
`;

test('feature-based buffer selection (herding, closest to center) works on webgpu, asynchronously, and picks what cpu picks', { timeout: 300_000 }, () => {
  const gpu = child(FEATURE_SELECTION, { AVALANCHE_TS_BACKEND: 'webgpu', AVALANCHE_TS_WEBGPU: 'software' });
  const cpu = child(FEATURE_SELECTION, { AVALANCHE_TS_BACKEND: 'cpu' });
  type Out = { modes: Record<string, { isPromise: boolean; early: string | null; ids: number[]; targets: number[] }>; training: boolean; error?: string };
  const g = gpu.json as Out;
  const c = cpu.json as Out;
  assert.ok(g && !g.error, `webgpu run failed: ${g?.error ?? gpu.stdout + gpu.stderr.slice(-2000)}`);
  assert.ok(c && !c.error, `cpu run failed: ${c?.error ?? cpu.stdout}`);
  assert.equal(g.training, true, 'the model goes back to training mode');
  for (const name of ['closest', 'herding']) {
    const gm = g.modes[name];
    const cm = c.modes[name];
    assert.equal(gm.isPromise, true, `${name}: a promise on webgpu`);
    assert.match(gm.early ?? '', /ParametricBuffer: reading the buffer while an update is still running .*await buffer.update\(strategy\) first/);
    assert.equal(cm.isPromise, false, `${name}: synchronous on cpu`);
    assert.equal(gm.ids.length, 40);
    // 4 classes after two experiences of SplitMNIST: 10 each
    const perClass = new Map<number, number>();
    gm.targets.forEach((t) => perClass.set(t, (perClass.get(t) ?? 0) + 1));
    assert.deepEqual([...perClass.values()], [10, 10, 10, 10]);
    const same = gm.ids.filter((id) => cm.ids.includes(id)).length;
    assert.ok(same >= 38, `${name}: ${same} of 40 samples as on cpu (float rounding may swap near ties)`);
  }
});

test('a GPU validation error makes the next read reject with it, not return wrong numbers', { timeout: 120_000 }, () => {
  const code = `
const lib = require('./kernel-lib');
const tf = require('@tensorflow/tfjs');
(async () => {
  await lib.initBackend({ verbose: false });
  const limit = tf.backend().device.limits.maxStorageBuffersPerShaderStage;
  // tfjs's addN binds every input and the output: one more than the device allows is an invalid pipeline.
  const inputs = Array.from({ length: limit }, (_, i) => tf.tensor1d([i, i]));
  let error = null;
  try { await tf.addN(inputs).data(); } catch (e) { error = e.message; }
  const after = Array.from(await tf.add(tf.tensor1d([1, 2]), 1).data());
  console.log(JSON.stringify({ limit, error, after }));
})().catch((e) => { console.log(JSON.stringify({ error: 'outside: ' + e.message })); });`;
  const r = child(code, { AVALANCHE_TS_BACKEND: 'webgpu', AVALANCHE_TS_WEBGPU: 'software' });
  const j = r.json as { limit: number; error: string | null; after: number[] };
  assert.ok(j, r.stdout + r.stderr.slice(-2000));
  assert.match(j.error ?? '', /^WebGPU error: .*storage buffers/, `the read rejected with the validation error (limit ${j.limit})`);
  assert.deepEqual(j.after, [2, 3], 'later work is unaffected once the error was reported');
});
