/**
 * The bench's PyTorch yardstick runs: scripts/torch-yardstick.py, with Debian's python3-torch, trains and
 * evaluates the tutorial's MLP on samples the test writes and reports its throughput (no timing asserted).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ClassificationDataset, SplitMNIST } from 'avalanche-ts';
import { ready, tempDir } from './helpers';

const root = path.resolve(__dirname, '..');

test('the PyTorch yardstick trains and evaluates the same MLP on the same samples and reports samples/s', async () => {
  await ready();
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  assert.equal(probe.status, 0, 'PyTorch is missing for /usr/bin/python3: apt-get install python3-torch (see README)');
  const b = await SplitMNIST({ nExperiences: 5, seed: 1, source: 'bundled' });
  const folder = tempDir('yardstick-');
  for (const [name, stream] of [['train', b.trainStream.slice(0, 1)], ['test', b.testStream.slice(0, 1)]] as const) {
    const d = ClassificationDataset.concat(stream.map((e) => e.dataset));
    fs.writeFileSync(path.join(folder, `${name}.u8`), d.images);
    fs.writeFileSync(path.join(folder, `${name}.i32`), Buffer.from(d.targets.buffer, d.targets.byteOffset, d.targets.byteLength));
  }
  const r = spawnSync('/usr/bin/python3', [path.join(root, 'scripts', 'torch-yardstick.py'), folder, '1', '1'], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim());
  assert.equal(out.threads, 1);
  for (const k of ['train', 'eval', 'replay']) assert.ok(Number.isFinite(out[k]) && out[k] > 0, `${k}: ${out[k]}`);
});
