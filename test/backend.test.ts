/**
 * The wasm backend on several threads in Node (our patch of tfjs-backend-wasm): it starts with the
 * thread count asked for, a script still exits on its own, and training gives bit-identical weights
 * on one thread and on two. Each case runs in a fresh process, since the thread count is fixed when
 * wasm starts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';

const lib = path.resolve(__dirname, '..', 'kernel-lib');

/** Trains two experiences on `threads` threads in a new process; its backend line and a hash of the weights. */
function trainIn(threads: string, via: 'option' | 'env'): { backend: string; hash: string; ms: number } {
  const code = `
    const lib = require(${JSON.stringify(lib)});
    const crypto = require('crypto');
    (async () => {
      const info = await lib.initBackend(${via === 'option' ? `{ threads: ${threads}, verbose: false }` : '{ verbose: false }'});
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
  const r = spawnSync(process.execPath, ['-e', code], {
    encoding: 'utf8', timeout: 120_000, env: { ...process.env, AVALANCHE_TS_BACKEND: 'wasm', ...(via === 'env' ? { AVALANCHE_TS_THREADS: threads } : {}) },
  });
  assert.equal(r.status, 0, `the process did not exit cleanly (status ${r.status}, signal ${r.signal}):\n${r.stderr}`);
  return { ...JSON.parse(r.stdout.trim().split('\n').pop()!), ms: Date.now() - t0 };
}

test('wasm on 2 threads in Node: starts threaded, the process exits by itself, weights bit-identical to 1 thread', () => {
  const one = trainIn('1', 'option');
  const two = trainIn('2', 'option');
  assert.equal(one.backend, 'wasm (SIMD, single-threaded) threads=1');
  assert.equal(two.backend, 'wasm (SIMD, 2 threads) threads=2');
  assert.equal(two.hash, one.hash, 'the same weights on 1 and 2 threads');
  const env = trainIn('2', 'env');
  assert.equal(env.backend, 'wasm (SIMD, 2 threads) threads=2', 'AVALANCHE_TS_THREADS sets it too');
});

test('a bad thread count is a clear error', () => {
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(lib)}).initBackend({ threads: 0 }).catch((e) => { console.log(e.message); })`], { encoding: 'utf8' });
  assert.match(r.stdout, /initBackend: threads must be a whole number of threads from 1 to 64, got 0/);
  const env = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(lib)}).initBackend({ backend: 'wasm' }).catch((e) => { console.log(e.message); })`], { encoding: 'utf8', env: { ...process.env, AVALANCHE_TS_THREADS: 'all' } });
  assert.match(env.stdout, /environment variable AVALANCHE_TS_THREADS must be a whole number of threads from 1 to 64, got "all"/);
});
