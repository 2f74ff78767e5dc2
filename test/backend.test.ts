/**
 * The wasm backend on several threads in Node (our patch of tfjs-backend-wasm): it starts with the
 * thread count asked for, a script still exits on its own, and training gives bit-identical weights
 * on one thread and on two. The native BLAS path: on by default where its addon loads, equal to
 * wasm's products to float rounding. Each case runs in a fresh process, since the thread count and
 * the products' path are fixed when wasm starts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';

const lib = path.resolve(__dirname, '..', 'kernel-lib');

/** Trains two experiences on `threads` threads in a new process; its backend line and a hash of the weights. */
function trainIn(threads: string | null, via: 'option' | 'env', env: Record<string, string> = {}, nodeArgs: string[] = []): { backend: string; hash: string; ms: number } {
  const code = `
    const lib = require(${JSON.stringify(lib)});
    const crypto = require('crypto');
    (async () => {
      const info = await lib.initBackend(${via === 'option' && threads ? `{ threads: ${threads}, verbose: false }` : '{ verbose: false }'});
      const b = await lib.SplitMNIST({ nExperiences: 5, seed: 1, source: 'bundled' });
      const model = new lib.SimpleMLP({ seed: 1 });
      const s = new lib.Naive(model, new lib.SGD({ lr: 0.001, momentum: 0.9 }), new lib.CrossEntropyLoss(), { trainMbSize: 500, seed: 1, evaluator: new lib.EvaluationPlugin() });
      await s.train(b.trainStream[0]);
      await s.train(b.trainStream[1]);
      const h = crypto.createHash('sha256');
      for (const v of model.trainableVariables) h.update(Buffer.from(v.dataSync().buffer));
      console.log(JSON.stringify({ backend: info.name + ' (' + info.details + ') threads=' + info.threads, hash: h.digest('hex') }));
    })();`;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [...nodeArgs, '-e', code], {
    encoding: 'utf8', timeout: 120_000, env: { ...process.env, AVALANCHE_TS_BACKEND: 'wasm', AVALANCHE_TS_THREADS: '', AVALANCHE_TS_BLAS: '', ...(via === 'env' && threads ? { AVALANCHE_TS_THREADS: threads } : {}), ...env },
  });
  assert.equal(r.status, 0, `the process did not exit cleanly (status ${r.status}, signal ${r.signal}):\n${r.stderr}`);
  return { ...JSON.parse(r.stdout.trim().split('\n').pop()!), ms: Date.now() - t0 };
}

test('wasm on 2 threads in Node: starts threaded, the process exits by itself, weights bit-identical to 1 thread', () => {
  // XNNPACK's own products (the BLAS path off): the threads split the products' work.
  const xnn = { AVALANCHE_TS_BLAS: '0' };
  const one = trainIn('1', 'option', xnn);
  const two = trainIn('2', 'option', xnn);
  assert.equal(one.backend, 'wasm (SIMD, single-threaded) threads=1');
  assert.equal(two.backend, 'wasm (SIMD, 2 threads) threads=2');
  assert.equal(two.hash, one.hash, 'the same weights on 1 and 2 threads');
  const env = trainIn('2', 'env', xnn);
  assert.equal(env.backend, 'wasm (SIMD, 2 threads) threads=2', 'AVALANCHE_TS_THREADS sets it too');
});

test('the products\' path by default: the native BLAS where its addon loads (wasm on one thread), else XNNPACK on every CPU, saying why', (t) => {
  const fs = require('fs') as typeof import('fs');
  const os = require('os') as typeof import('os');
  const cpus = os.cpus().length;
  // The addon cannot load: a require hook makes loading it fail, as on a machine without a compiler.
  const hook = path.join(os.tmpdir(), `no-blas-${process.pid}.js`);
  fs.writeFileSync(hook, `const M = require('module'); const load = M._load; M._load = function (request, ...rest) { if (String(request).endsWith('blas.node')) throw new Error('no addon here (test)'); return load.call(this, request, ...rest); };`);
  try {
    const without = trainIn(null, 'option', {}, ['-r', hook]);
    assert.equal(without.backend, `wasm (SIMD, ${cpus > 1 ? `${cpus} threads` : 'single-threaded'}, matrix products by XNNPACK (native BLAS path not available: no addon here (test))) threads=${cpus}`);
    const xnn = trainIn(null, 'option', { AVALANCHE_TS_BLAS: '0' });
    assert.equal(without.hash, xnn.hash, 'the same weights as with the BLAS path turned off');
  } finally {
    fs.rmSync(hook, { force: true });
  }
  if (!fs.existsSync(path.join(lib, 'native', 'build', 'blas.node'))) return t.skip('the optional addon was not built here (no C compiler): the BLAS default is not checked');
  const blas = trainIn(null, 'option');
  assert.match(blas.backend, /^wasm \(SIMD, single-threaded, matrix products by libopenblas\S* on 1 thread\) threads=1$/);
  const blas2 = trainIn('2', 'option');
  assert.match(blas2.backend, /^wasm \(SIMD, 2 threads, matrix products by libopenblas\S* on 1 thread\) threads=2$/);
  assert.equal(blas2.hash, blas.hash, 'with the BLAS path too, the same weights on 1 and 2 wasm threads');
  const bad = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(lib)}).initBackend({ backend: 'wasm' }).catch((e) => { console.log(e.message); })`], { encoding: 'utf8', env: { ...process.env, AVALANCHE_TS_BLAS: 'yes' } });
  assert.match(bad.stdout, /environment variable AVALANCHE_TS_BLAS must be 1 \(on\) or 0 \(off\), got "yes"/);
  const badThreads = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(lib)}).initBackend({ blasThreads: 0 }).catch((e) => { console.log(e.message); })`], { encoding: 'utf8' });
  assert.match(badThreads.stdout, /initBackend: blasThreads must be a whole number of threads from 1 to 64, got 0/);
});

test('every op gradient @tensorflow/tfjs registers is registered by the library alone, without loading that bundle', () => {
  const code = `
    require(${JSON.stringify(lib)});
    const registry = () => [...globalThis._tfGlobals.get('gradRegistry').keys()].sort();
    const ours = registry();
    const loaded = Object.keys(require.cache).filter((f) => /tfjs-(layers|converter|data|backend-webgl)/.test(f)).length;
    require(require.resolve('@tensorflow/tfjs', { paths: [${JSON.stringify(lib)}] }));
    console.log(JSON.stringify({ ours, loaded, tfjs: registry() }));`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const { ours, loaded, tfjs } = JSON.parse(r.stdout);
  assert.equal(loaded, 0, 'layers, converter, tf.data and webgl are not loaded');
  assert.ok(tfjs.length > 90, `${tfjs.length} gradients in @tensorflow/tfjs`);
  assert.deepEqual(ours, tfjs, 'the same kernels have gradients');
});

test('a bad thread count is a clear error', () => {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(lib)}).initBackend({ threads: 0 }).catch((e) => { console.log(e.message); })`], { encoding: 'utf8' });
  assert.match(r.stdout, /initBackend: threads must be a whole number of threads from 1 to 64, got 0/);
  const env = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(lib)}).initBackend({ backend: 'wasm' }).catch((e) => { console.log(e.message); })`], { encoding: 'utf8', env: { ...process.env, AVALANCHE_TS_THREADS: 'all' } });
  assert.match(env.stdout, /environment variable AVALANCHE_TS_THREADS must be a whole number of threads from 1 to 64, got "all"/);
});

test('native BLAS path: products with every transpose, bias and ReLU equal wasm\'s; training matches to float rounding', { timeout: 180_000 }, (t) => {
  const fs = require('fs') as typeof import('fs');
  if (spawnSync('cc', ['--version']).status !== 0) return t.skip('no C compiler here, so the optional addon was not built (the wasm kernels run)');
  assert.ok(fs.existsSync(path.join(lib, 'native', 'build', 'blas.node')), 'npm install builds the addon when a C compiler is present (scripts/build-native.js)');
  const code = `
    const lib = require(${JSON.stringify(lib)});
    const tf = require(require.resolve('@tensorflow/tfjs', { paths: [${JSON.stringify(lib)}] }));
    (async () => {
      const info = await lib.initBackend({ verbose: false });
      const r = lib.makeRandom(1);
      const m = (rows, cols) => tf.tensor2d(Float32Array.from({ length: rows * cols }, () => r.next() * 2 - 1), [rows, cols]);
      const a = m(37, 53), b = m(53, 29), at = m(53, 37), bt = m(29, 53), bias = tf.tensor1d(Float32Array.from({ length: 29 }, () => r.next() * 2 - 1));
      const results = {};
      results.nn = tf.matMul(a, b).arraySync();
      results.tn = tf.matMul(at, b, true, false).arraySync();
      results.nt = tf.matMul(a, bt, false, true).arraySync();
      results.tt = tf.matMul(at, bt, true, true).arraySync();
      // As the layers call it: rank-3 operands, a rank-1 bias.
      results.fused = tf.engine().runKernel('_FusedMatMul', { a: a.reshape([1, 37, 53]), b: b.reshape([1, 53, 29]), bias }, { transposeA: false, transposeB: false, activation: 'relu', leakyreluAlpha: 0.2 }).arraySync();
      results.batched = tf.matMul(tf.stack([a, a]), tf.stack([b, b])).arraySync();
      const bm = await lib.SplitMNIST({ nExperiences: 5, seed: 1, source: 'bundled' });
      const model = new lib.SimpleMLP({ seed: 1 });
      const s = new lib.Naive(model, new lib.SGD({ lr: 0.001, momentum: 0.9 }), new lib.CrossEntropyLoss(), { trainMbSize: 500, seed: 1, evaluator: new lib.EvaluationPlugin() });
      await s.train(bm.trainStream[0]);
      results.weights = Array.from(model.trainableVariables[0].dataSync().slice(0, 2000));
      console.log(JSON.stringify({ details: info.details, results }));
    })();`;
  const run = (blas: boolean) => {
    const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, AVALANCHE_TS_BACKEND: 'wasm', AVALANCHE_TS_BLAS: blas ? '1' : '0' } });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { details: string; results: Record<string, unknown> };
  };
  const wasm = run(false);
  const blas = run(true);
  assert.match(blas.details, /matrix products by libopenblas\S* on \d+ threads?/);
  assert.doesNotMatch(wasm.details, /matrix products/);
  const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
  for (const key of ['nn', 'tn', 'nt', 'tt', 'fused', 'batched']) {
    const x = flat(blas.results[key]);
    const y = flat(wasm.results[key]);
    assert.equal(x.length, y.length, key);
    const worst = Math.max(...x.map((v, i) => Math.abs(v - y[i])));
    assert.ok(worst < 1e-4, `${key}: BLAS and wasm differ by ${worst}`);
  }
  const w1 = flat(blas.results.weights);
  const w2 = flat(wasm.results.weights);
  assert.ok(Math.max(...w1.map((v, i) => Math.abs(v - w2[i]))) < 1e-3, 'the same training to float rounding');
  const bad = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(lib)}).initBackend({ blas: 'yes' }).catch((e) => console.log(e.message))`], { encoding: 'utf8' });
  assert.match(bad.stdout, /initBackend: blas must be true or false, got "yes"/);
});

test('wasm never falls to a slower path in silence: threads that cannot start, or a wasm package loaded before the library could patch it, give one thread and say why', (t) => {
  const xnn = { AVALANCHE_TS_BLAS: '0' };
  const one = trainIn('1', 'option', xnn);
  // The pthread workers' file cannot be written: the threaded start fails, wasm starts on one thread.
  const noTmp = trainIn('2', 'option', { ...xnn, TMPDIR: '/nonexistent-tmp' });
  assert.match(noTmp.backend, /^wasm \(SIMD, single-threaded: 2 threads asked for, but its threads failed to start: .*ENOENT.*\/nonexistent-tmp\/.*\) threads=1$/);
  assert.equal(noTmp.hash, one.hash, 'the same weights as on one thread');
  // tfjs-backend-wasm loaded (unpatched) before the library: its threads cannot be fixed any more.
  const hook = path.join(require('os').tmpdir(), `wasm-first-${process.pid}.js`);
  require('fs').writeFileSync(hook, `require(require.resolve('@tensorflow/tfjs-backend-wasm', { paths: [${JSON.stringify(lib)}] }));`);
  t.after(() => require('fs').rmSync(hook, { force: true }));
  const early = trainIn('2', 'option', xnn, ['-r', hook]);
  assert.equal(early.backend, `wasm (SIMD, single-threaded: 2 threads asked for, but the Node thread fix for @tensorflow/tfjs-backend-wasm could not be applied: dist/tf-backend-wasm.node.js of ${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json', { paths: [lib] }))} was loaded before tfjs-backend-wasm.patch could be applied) threads=1`);
  assert.equal(early.hash, one.hash);
});

test('the cpu backend runs only when asked for or when wasm cannot start, and then the one printed line says why', (t) => {
  const hook = path.join(require('os').tmpdir(), `wasm-broken-${process.pid}.js`);
  // A wasm binary that cannot be found: wasm cannot start at all.
  require('fs').writeFileSync(hook, `require(require.resolve('@tensorflow/tfjs-backend-wasm', { paths: [${JSON.stringify(lib)}] })).setWasmPaths('/nonexistent-wasm/');`);
  t.after(() => require('fs').rmSync(hook, { force: true }));
  const code = `require(${JSON.stringify(lib)}).initBackend().then((i) => console.log('chosen', i.name))`;
  const broken = spawnSync(process.execPath, ['-r', hook, '-e', code], { encoding: 'utf8', env: { ...process.env, AVALANCHE_TS_BACKEND: '', AVALANCHE_TS_BACKEND_VERBOSE: '' } });
  assert.equal(broken.status, 0, broken.stderr);
  assert.match(broken.stdout, /^avalanche-ts: tensor backend 'cpu' \(tfjs's plain JavaScript kernels, many times slower than wasm; used because wasm could not start: .*\/nonexistent-wasm\/tfjs-backend-wasm.*\.wasm.*\)\nchosen cpu\n$/);
  assert.equal(broken.stderr, '', 'nothing else is printed');
  const asked = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env: { ...process.env, AVALANCHE_TS_BACKEND: 'cpu' } });
  assert.equal(asked.stdout, "avalanche-ts: tensor backend 'cpu' (tfjs's plain JavaScript kernels, many times slower than wasm)\nchosen cpu\n");
  // Where no GPU exists, the optional accelerators' absence is not mentioned.
  const normal = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env: { ...process.env, AVALANCHE_TS_BACKEND: '', AVALANCHE_TS_BACKEND_VERBOSE: '' } });
  assert.match(normal.stdout, /^avalanche-ts: tensor backend '\S+' \([^;]*\)\nchosen \S+\n$/, 'no word of the optional accelerators');
  assert.equal(normal.stderr, '');
});
